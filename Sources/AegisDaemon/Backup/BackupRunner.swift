import AegisCore
import AegisSystem
import Logging

/// One backup from start to manifest: resolve the keys (fail closed), open the temporary file,
/// stream the source through gzip and age into it, and only when the source reports a
/// complete, consistent stream commit the file and write a `complete` manifest. Any failure
/// leaves no backup file, a `failed` manifest that says why, and older backups untouched.
struct BackupRunner: Sendable {
    let settings: BackupSettings
    let catalog: BackupCatalog
    let layout: StateLayout
    let logger: Logger
    /// The time of day, for the backup's name and its manifest's times.
    var clock: @Sendable () -> UTCTimestamp = { .now }

    /// Compression workers: both cores of a small host, never more than four.
    static let workers = max(1, min(4, ProcessTable.onlineCPUs))

    func run(_ source: any BackupSource, reporter: ProgressReporter? = nil) async -> BackupManifest {
        let service = source.service
        let mode = settings.encryptionMode ?? .x25519
        // Operations on one service run one at a time (BackupCoordinator), so waiting out the
        // second of the previous backup cannot race with another backup of this service.
        var started = clock()
        var name = BackupName(service: service, createdAt: started, encrypted: mode != .none)
        while catalog.isTaken(name) {
            try? await Task.sleep(for: .milliseconds(100))
            started = clock()
            name = BackupName(service: service, createdAt: started, encrypted: mode != .none)
        }
        var manifest = BackupManifest(
            service: service, file: name.fileName, database: nil, status: .failed, startedAt: started,
            finishedAt: started, encryption: mode.rawValue, recipients: mode == .x25519 ? settings.recipients : [])
        let metadata: Logger.Metadata = ["service": "\(service.rawValue)"]
        logger.notice("backup of \(service.rawValue) started: \(name.fileName)", metadata: metadata)
        do {
            // The directory first: a failure to find the key is recorded in a manifest too.
            let directory = catalog.directory(of: service)
            try FileSystem.makeDirectory(catalog.directory, mode: 0o700)
            try FileSystem.makeDirectory(directory, mode: 0o700)
            let encryption = try BackupKeys.encryption(for: settings, layout: layout)
            let writer = try BackupFileWriter(directory: directory, fileName: name.fileName, temporaryName: name.temporaryName)
            let stream = try BackupStream(
                writer: writer, compressionLevel: settings.compressionLevel, workers: Self.workers, encryption: encryption,
                progress: reporter?.begin(service.kind == .postgres ? "dumping" : "copying the snapshot"))
            let facts: BackupSourceFacts
            do {
                facts = try await source.stream(into: SinkHandoff(stream))
            } catch {
                writer.abandon()
                throw error
            }
            // Finishing waits for the last compressed blocks: a blocking thread, like the pump.
            let finishing = StreamHandoff(stream: stream)
            let totals = try await runBlocking { try finishing.stream.finish() }
            try writer.commit()
            manifest.status = .complete
            manifest.database = facts.database
            manifest.serverVersion = facts.serverVersion
            manifest.rowCounts = facts.rowCounts
            manifest.size = totals.storedBytes
            manifest.plainSize = totals.plainBytes
            manifest.compressedSize = totals.compressedBytes
            manifest.sha256 = totals.sha256
        } catch {
            manifest.error = "\(error)"
        }
        manifest.finishedAt = clock()
        do {
            try catalog.writeManifest(manifest, of: name)
        } catch {
            logger.error("cannot write the manifest of \(name.fileName): \(error)", metadata: metadata)
        }
        let seconds = manifest.finishedAt.secondsSinceEpoch - started.secondsSinceEpoch
        if manifest.status == .complete {
            logger.notice(
                "backup of \(service.rawValue) complete: \(name.fileName), \(manifest.plainSize) bytes dumped, \(manifest.size) stored, \(seconds) s",
                metadata: metadata)
        } else {
            logger.error("backup of \(service.rawValue) failed: \(manifest.error ?? "unknown reason")", metadata: metadata)
        }
        return manifest
    }
}

/// Hands the stream to the blocking thread that finishes it; the caller waits meanwhile, so
/// only one thread ever touches it.
private struct StreamHandoff: @unchecked Sendable {
    let stream: BackupStream
}
