import AegisCore
import AegisSystem
import Foundation
import Logging

/// Off-host retention, by `[offsite] retention_days` and `keep_at_least` with the local rules
/// (`BackupRetention`). It considers only complete pairs (file and manifest) whose manifest says
/// aegisd uploaded it to this remote; any other object in the store is never touched. A pair
/// goes manifest first, so the store never holds a manifest without its file.
struct OffsiteRetention: Sendable {
    let settings: OffsiteSettings
    let rclone: Rclone
    let logger: Logger

    /// The complete pairs of `service`, oldest first, with their manifests. `writtenHere`: only
    /// those whose manifest says aegisd uploaded them to this remote (what retention may
    /// remove); without it, every pair with a valid manifest (what a new host may restore).
    func pairs(_ service: ServiceID, writtenHere: Bool = true) async throws(SystemError) -> [(name: BackupName, manifest: BackupManifest)] {
        let objects = try await rclone.list(settings.remote)
        var found: [(BackupName, BackupManifest)] = []
        for name in OffsitePairs.complete(objects.map(\.name), service: service) {
            let text = try await rclone.read(settings.objectPath(name.manifestName))
            guard let manifest = try? JSONDecoder().decode(BackupManifest.self, from: Data(text.utf8)),
                  manifest.service == service, manifest.file == name.fileName, manifest.status == .complete,
                  !writtenHere || manifest.offsite?.remote == settings.remote
            else { continue }
            found.append((name, manifest))
        }
        return found
    }

    /// What retention would remove now, oldest first.
    func expired(_ pairs: [(name: BackupName, manifest: BackupManifest)], now: UTCTimestamp) -> [BackupName] {
        let entries = pairs.map { BackupRetention.Entry(name: $0.name, status: .complete, verifiedAt: $0.manifest.verifiedAt) }
        return BackupRetention(retentionDays: settings.retentionDays, keepAtLeast: settings.keepAtLeast)
            .expired(entries, now: now).map(\.name)
    }

    func apply(_ service: ServiceID, now: UTCTimestamp = .now) async throws(SystemError) {
        for name in expired(try await pairs(service), now: now) {
            logger.info("off-host retention: removing \(name.fileName) from \(settings.remote)", metadata: ["service": "\(service.rawValue)"])
            try await rclone.delete(settings.objectPath(name.manifestName))
            try await rclone.delete(settings.objectPath(name.fileName))
        }
    }

    /// When a drill last passed on one of `service`'s copies, from the newest few
    /// `STEM.verified.json` objects beside complete pairs (a verifier host writes them).
    func lastDrill(_ service: ServiceID) async throws(SystemError) -> UTCTimestamp? {
        let names = try await rclone.list(settings.remote).map(\.name)
        let present = Set(names)
        let stems = OffsitePairs.complete(names, service: service).map(\.stem)
            .filter { present.contains("\($0).verified.json") }
        var newest: UTCTimestamp?
        for stem in stems.suffix(3) {
            let text = try await rclone.read(settings.objectPath("\(stem).verified.json"))
            guard let result = try? JSONDecoder().decode(RemoteDrillResult.self, from: Data(text.utf8)),
                  let verified = result.verifiedAt
            else { continue }
            newest = max(newest ?? verified, verified)
        }
        return newest
    }
}
