import AegisCore
import AegisSystem
import Foundation
import Logging
import Synchronization

/// `/metrics` as one self-contained component (`start()` / `stop()`): it collects the status on
/// aegisd's own schedule and keeps the last collection; a scrape maps that snapshot (plus
/// aegisd's own /proc figures) and never waits for an actor, a file or a database, so a burst
/// of scrapes cannot delay supervision and a busy supervisor cannot stall a scrape.
final class MetricsExporter: Sendable {
    /// How often the status (services, backups, logs) is collected.
    static let statusInterval: Duration = .seconds(1)
    /// How often certificates (files) and filesystem space (statvfs) are read.
    static let slowInterval: Duration = .seconds(15)

    let server: MetricsServer
    private let sources: StatusSources
    private let directories: [String]
    private let snapshot = LatestSnapshot()
    private let task = Mutex<Task<Void, Never>?>(nil)

    init(endpoint: MetricsEndpoint, sources: StatusSources, directories: [String], logger: Logger) {
        self.sources = sources
        self.directories = directories
        let snapshot = self.snapshot
        self.server = MetricsServer(endpoint: endpoint, logger: logger) { format in
            Self.render(snapshot.value, format: format)
        }
    }

    /// The directories whose filesystems are reported: data, backups, the log spool.
    static func directories(_ config: AegisConfig) -> [String] {
        [config.layout.dataDir, config.backup.directory.isEmpty ? config.layout.backupsDir : config.backup.directory,
         config.layout.spoolDir]
    }

    /// Collects once, binds the port (throws when it cannot), then serves and keeps collecting.
    func start() async throws(SystemError) {
        var input = await collect(previous: nil, slow: true)
        snapshot.value = input
        try server.listen()
        server.start()
        let background = Task { [self] in
            var lastSlow = ContinuousClock.now
            while !Task.isCancelled {
                try? await Task.sleep(for: Self.statusInterval)
                let slow = ContinuousClock.now - lastSlow >= Self.slowInterval
                if slow { lastSlow = .now }
                input = await collect(previous: input, slow: slow)
                snapshot.value = input
            }
        }
        task.withLock { $0 = background }
    }

    func stop() async {
        let running = task.withLock { task in
            defer { task = nil }
            return task
        }
        running?.cancel()
        await running?.value
        server.stop()
    }

    /// A new snapshot; certificates and filesystems are carried over unless `slow`.
    private func collect(previous: MetricsInput?, slow: Bool) async -> MetricsInput {
        let status = await sources.report()
        let now = Date().timeIntervalSince1970
        let periods = await sources.backups.schedulePeriods()
        var input = MetricsInput(
            status: status, certificates: previous?.certificates ?? [], filesystems: previous?.filesystems ?? [],
            backupPeriodSeconds: periods.backup, drillPeriodSeconds: periods.drill, collectedAt: now, now: now)
        if slow || previous == nil {
            input.certificates = await sources.certificates.statusIfEnabled()
            input.filesystems = FilesystemSpace.figures(of: directories)
        }
        return input
    }

    /// One scrape's body: the snapshot's families, aegisd's process figures read now.
    static func render(_ snapshot: MetricsInput?, format: MetricsFormat) -> String {
        guard var input = snapshot else { return MetricsExposition.render([], format: format) }
        input.process = ProcessFiguresReader.read()
        input.now = Date().timeIntervalSince1970
        return MetricsExposition.render(MetricsMapping.families(input), format: format)
    }
}

/// The last collection, shared between the collecting task and the scrape threads.
private final class LatestSnapshot: Sendable {
    private let lock = Mutex<MetricsInput?>(nil)

    var value: MetricsInput? {
        get { lock.withLock { $0 } }
        set { lock.withLock { $0 = newValue } }
    }
}
