import AegisCore
import AegisSystem
import Foundation
import Logging

/// Backups in the `[offsite]` store: listing, and picking one for a restore or a drill. This is
/// all a new host needs after losing the old one: the configuration, the rclone configuration
/// and the identity; no local state.
extension BackupCoordinator {
    /// rclone for the configured store, or why there is none.
    func store() throws(BackupFailure) -> (Rclone, OffsiteSettings) {
        let settings = config.offsite
        guard settings.enabled else {
            throw BackupFailure(
                "no off-host store is configured: set [offsite] remote and rclone_config in the configuration (see docs/backups.md)")
        }
        do {
            return (try Rclone(configFile: settings.rcloneConfig, bandwidthLimit: settings.bandwidthLimit,
                               timeout: .seconds(settings.uploadTimeoutS)), settings)
        } catch {
            throw BackupFailure(error.message)
        }
    }

    /// The complete backups of `service` in the store (file and manifest), oldest first.
    func remoteBackups(_ service: ServiceID) async throws(BackupFailure) -> [(name: BackupName, manifest: BackupManifest)] {
        guard services.contains(service) else {
            throw BackupFailure("\(service.rawValue) has no backups (only enabled PostgreSQL instances and Redis do)")
        }
        let (rclone, settings) = try store()
        do {
            return try await OffsiteRetention(settings: settings, rclone: rclone, logger: logger).pairs(service, writtenHere: false)
        } catch {
            throw BackupFailure("cannot list \(settings.remote): \(error.message)")
        }
    }

    /// The backup `backup` (`latest` or a name) of `service` in the store, to be streamed.
    func remoteSelection(_ service: ServiceID, backup: String, identity: IdentityInput) async throws(BackupFailure) -> BackupSelection {
        let pairs = try await remoteBackups(service)
        let found = backup == "latest"
            ? pairs.last : pairs.first { $0.name.fileName == backup || $0.name.stem == backup }
        let settings = config.offsite
        guard let found else {
            throw BackupFailure(backup == "latest"
                ? "\(settings.remote) holds no complete backup of \(service.rawValue) (aegisctl backups list \(service.rawValue) --remote)"
                : "\(settings.remote) holds no complete backup named \(backup) of \(service.rawValue) (aegisctl backups list \(service.rawValue) --remote)")
        }
        let (rclone, _) = try store()
        return try BackupSelection(
            stored: found.manifest, name: found.name, object: settings.objectPath(found.name.fileName), store: rclone,
            identity: identity, settings: config.backup, layout: config.layout)
    }

    /// A drill's result on a backup in the store, written beside it as `STEM.verified.json`,
    /// so the host that made the backup (and never holds the identity) can learn it.
    func recordRemoteDrill(_ manifest: BackupManifest, of name: BackupName) async throws(BackupFailure) {
        let (rclone, settings) = try store()
        let result = RemoteDrillResult(
            file: name.fileName, sha256: manifest.sha256, verifiedAt: manifest.verifyError == nil ? manifest.verifiedAt : nil,
            checkedAt: .now, verifyError: manifest.verifyError)
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let text = String(decoding: try encoder.encode(result), as: UTF8.self) + "\n"
            // The run directory's own mode (0755, as the start makes it): the service account
            // reaches the PostgreSQL sockets through it (a restore's psql runs as that account
            // when aegisd is root), and the socket group the control socket where `config init
            // --root` put it. The staged file is 0600; the directory must not be narrowed for it.
            try FileSystem.makeDirectory(config.layout.runDir, mode: 0o755)
            let staged = "\(config.layout.runDir)/.\(name.stem).verified.json.partial"
            try FileSystem.writeAtomically(staged, contents: text, mode: 0o600)
            defer { FileSystem.remove(staged) }
            try await rclone.upload(staged, to: settings.objectPath("\(name.stem).verified.json"))
        } catch {
            throw BackupFailure("the drill ran but its result could not be written to the store: \(error)")
        }
    }
}

/// `STEM.verified.json` in the store: the outcome of the last drill of that backup.
struct RemoteDrillResult: Codable, Sendable {
    var file: String
    var sha256: String
    /// When the drill passed; nil when it failed.
    var verifiedAt: UTCTimestamp?
    var checkedAt: UTCTimestamp
    var verifyError: String?

    enum CodingKeys: String, CodingKey {
        case file, sha256
        case verifiedAt = "verified_at"
        case checkedAt = "checked_at"
        case verifyError = "verify_error"
    }
}
