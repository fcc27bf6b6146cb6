import AegisCore
import AegisSystem
import Foundation
import Logging
import Synchronization

/// Copies every complete local backup to the `[offsite]` remote through rclone: the file, its
/// size and MD5 checked against the store's listing, then the manifest (last, so a manifest in
/// the store always means a complete file beside it); then the local manifest records the copy.
/// A failed upload leaves the local backup as it was and is retried with `OffsiteRetryPolicy`'s
/// backoff (`retry_initial_s`, `retry_max_s`; a reload's values apply from the next failure).
/// Pending work is found on disk, not remembered: a backup whose upload was cut short by
/// aegisd's death has no `offsite` record yet and is uploaded again by the first pass after the
/// next start. Runs in the daemon's service group (`OffsiteService`).
final class OffsiteReplicator: Sendable {
    private struct Attempt {
        var count: Int
        var due: ContinuousClock.Instant
        var dueAt: UTCTimestamp
        /// Why the last try failed.
        var error: String
    }

    private struct State {
        var settings: OffsiteSettings
        var catalog: BackupCatalog
        var services: [ServiceID]
        var attempts: [String: Attempt] = [:]
        var lastError: [ServiceID: String] = [:]
        var statuses: [ServiceID: OffsiteStatus] = [:]
        /// What verifier hosts reported (`STEM.verified.json`), and when it was last read.
        var lastDrill: [ServiceID: UTCTimestamp] = [:]
        var drillsReadAt: ContinuousClock.Instant?
    }

    /// How often the drill results in the store are read besides after each upload.
    static let drillPollInterval: Duration = .seconds(900)

    private let state: Mutex<State>
    private let wake = ChangeSignal()
    private let logger: Logger

    init(settings: OffsiteSettings, catalog: BackupCatalog, services: [ServiceID], logger: Logger) {
        state = Mutex(State(settings: settings, catalog: catalog, services: services))
        self.logger = logger
    }

    /// A reload's settings; the next pass uses them at once.
    func update(settings: OffsiteSettings, catalog: BackupCatalog, services: [ServiceID]) {
        state.withLock { state in
            if state.settings.remote != settings.remote { state.attempts = [:] }
            state.settings = settings
            state.catalog = catalog
            state.services = services
        }
        wake.bump()
    }

    /// A backup just completed: upload it now rather than at the next due retry.
    func backupCompleted() { wake.bump() }

    /// Each service's off-host state for status; empty when copies are off. Never reads the disk.
    func statuses() -> [ServiceID: OffsiteStatus] {
        state.withLock { $0.settings.enabled ? $0.statuses : [:] }
    }

    /// Why the last upload of each backup still waiting for a retry failed, by file name; empty
    /// when copies are off. Never reads the disk.
    func uploadErrors() -> [String: String] {
        state.withLock { $0.settings.enabled ? $0.attempts.mapValues(\.error) : [:] }
    }

    /// Passes over the backups until cancelled: after a backup, at each due retry, after a reload.
    func run() async {
        while !Task.isCancelled {
            let generation = wake.generation
            let wait = await pass()
            await waitForWake(after: generation, atMost: wait)
        }
    }

    private func waitForWake(after generation: Int, atMost wait: Duration?) async {
        let wake = wake
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await wake.wait(after: generation) }
            if let wait {
                group.addTask { try? await Task.sleep(for: wait) }
            }
            await group.next()
            group.cancelAll()
        }
    }

    /// Uploads what is pending and due; returns how long until the next retry is due (nil:
    /// nothing waits).
    func pass() async -> Duration? {
        let (settings, catalog, services) = state.withLock { ($0.settings, $0.catalog, $0.services) }
        guard settings.enabled else { return nil }
        let rclone = Result { () throws(SystemError) -> Rclone in
            try Rclone(configFile: settings.rcloneConfig, bandwidthLimit: settings.bandwidthLimit,
                       timeout: .seconds(settings.uploadTimeoutS))
        }
        var pendingKeys: Set<String> = []
        let readDrills = state.withLock { state in
            state.drillsReadAt.map { ContinuousClock.now - $0 >= Self.drillPollInterval } ?? true
        }
        var drillsRead = false
        for service in services {
            guard !Task.isCancelled else { return nil }
            var uploaded = false
            let complete = catalog.items(of: service).filter { $0.fileExists && $0.manifest?.status == .complete }
            // Newest first: when the store has been away, the newest copy matters most.
            for item in complete.reversed() where item.manifest?.offsite?.remote != settings.remote {
                guard !Task.isCancelled else { return nil }
                let key = item.name.fileName
                pendingKeys.insert(key)
                if let attempt = state.withLock({ $0.attempts[key] }), attempt.due > .now { continue }
                do {
                    try await upload(item, catalog: catalog, settings: settings, rclone: try rclone.get())
                    uploaded = true
                    state.withLock { state in
                        state.attempts[key] = nil
                        state.lastError[service] = nil
                    }
                } catch {
                    record(failure: error, of: item)
                }
            }
            if uploaded, case .success(let rclone) = rclone {
                do {
                    try await OffsiteRetention(settings: settings, rclone: rclone, logger: logger).apply(service)
                } catch {
                    logger.error("off-host retention of \(service.rawValue): \(error)", metadata: ["service": "\(service.rawValue)"])
                }
            }
            if uploaded || readDrills, case .success(let rclone) = rclone {
                // Best effort: a store that cannot be read now is read at the next pass.
                if let drill = try? await OffsiteRetention(settings: settings, rclone: rclone, logger: logger).lastDrill(service) {
                    state.withLock { $0.lastDrill[service] = drill }
                }
                drillsRead = true
            }
            refreshStatus(service, items: catalog.items(of: service), remote: settings.remote)
        }
        // Backups removed meanwhile (retention, an operator) have nothing left to retry: their
        // past due times would otherwise wake this loop at once, again and again.
        let next = state.withLock { state in
            state.attempts = state.attempts.filter { pendingKeys.contains($0.key) }
            // Tried, read or not: a store that cannot be read is tried again at the next poll,
            // not in a loop.
            if readDrills || drillsRead { state.drillsReadAt = .now }
            let poll = state.drillsReadAt.map { $0 + Self.drillPollInterval } ?? (.now + Self.drillPollInterval)
            return min(state.attempts.values.map(\.due).min() ?? poll, poll)
        }
        return max(.zero, next - .now)
    }

    private func record(failure error: any Error, of item: BackupCatalog.Item) {
        let service = item.name.service
        let reason = (error as? SystemError)?.message ?? "\(error)"
        let (attempt, policy) = state.withLock {
            (($0.attempts[item.name.fileName]?.count ?? 0) + 1, OffsiteRetryPolicy($0.settings))
        }
        let decision = policy.decide(FileSystem.exists(item.path) ? .failed : .localFileGone, attempt: attempt, random: .random(in: 0..<1))
        state.withLock { state in
            state.lastError[service] = reason
            switch decision {
            case .retry(let delay):
                state.attempts[item.name.fileName] = Attempt(
                    count: attempt, due: .now + .nanoseconds(delay), dueAt: UTCTimestamp.now.adding(seconds: delay / 1_000_000_000),
                    error: reason)
            case .done, .abandon:
                state.attempts[item.name.fileName] = nil
            }
        }
        logger.error(
            "off-host copy of \(item.name.fileName) failed (attempt \(attempt)); the local backup is kept and the upload retried: \(reason)",
            metadata: ["service": "\(service.rawValue)"])
    }

    private func refreshStatus(_ service: ServiceID, items: [BackupCatalog.Item], remote: String) {
        let complete = items.filter { $0.fileExists && $0.manifest?.status == .complete }
        let copied = complete.filter { $0.manifest?.offsite?.remote == remote }
        // The newest backup that has a copy (items are oldest first), not the latest upload: an
        // old backup uploaded late must not make the off-host copies look fresh.
        let newest = copied.last
        let pending = complete.count - copied.count
        state.withLock { state in
            let due = complete.compactMap { state.attempts[$0.name.fileName]?.dueAt }.min()
            state.statuses[service] = OffsiteStatus(
                lastSuccessAt: newest?.manifest?.offsite?.uploadedAt, lastSuccessFile: newest?.name.fileName,
                pending: pending, lastError: pending > 0 ? state.lastError[service] : nil, nextAttemptAt: pending > 0 ? due : nil,
                lastVerifiedAt: state.lastDrill[service])
        }
    }

    /// The file, checked; then the manifest with its `offsite` record; then the local manifest.
    private func upload(
        _ item: BackupCatalog.Item, catalog: BackupCatalog, settings: OffsiteSettings, rclone: Rclone
    ) async throws {
        let name = item.name
        let metadata: Logger.Metadata = ["service": "\(name.service.rawValue)"]
        let path = item.path
        let md5 = try await runBlocking { try FileMD5.hex(of: path) }
        let size = item.size
        let fileObject = settings.objectPath(name.fileName)
        try await rclone.upload(path, to: fileObject)
        guard let stored = try await rclone.object(at: fileObject) else {
            throw SystemError("\(fileObject) is not in the store right after its upload")
        }
        guard stored.size == size, stored.md5 == md5 else {
            throw SystemError(
                "the store holds \(fileObject) as \(stored.size) bytes with MD5 \(stored.md5 ?? "unknown"); "
                    + "the local file has \(size) bytes with MD5 \(md5)")
        }
        // Read again now: a drill may have recorded its result since the pass began.
        guard var manifest = catalog.readManifest(of: name) ?? item.manifest else {
            throw SystemError("the manifest of \(name.fileName) cannot be read")
        }
        manifest.offsite = OffsiteCopy(remote: settings.remote, uploadedAt: .now, hash: md5)
        let staged = "\(catalog.directory(of: name.service))/.\(name.manifestName).offsite.partial"
        let text = try BackupCatalog.encode(manifest)
        try FileSystem.writeAtomically(staged, contents: text, mode: 0o600)
        defer { FileSystem.remove(staged) }
        let manifestObject = settings.objectPath(name.manifestName)
        try await rclone.upload(staged, to: manifestObject)
        guard let storedManifest = try await rclone.object(at: manifestObject),
              storedManifest.size == Int64(text.utf8.count)
        else {
            throw SystemError("\(manifestObject) is not in the store, or not whole, right after its upload")
        }
        try catalog.writeManifest(manifest, of: name)
        logger.notice("off-host copy of \(name.fileName) uploaded to \(settings.remote) and checked (\(size) bytes, MD5 \(md5))", metadata: metadata)
    }
}
