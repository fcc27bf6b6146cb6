import AegisCore
import AegisSystem
import Foundation
import Logging
import Synchronization

/// `/metrics` as one self-contained component (`start()` / `stop()`): it collects the status on
/// aegisd's own schedule and keeps the last collection; a scrape maps that snapshot (plus
/// aegisd's own /proc figures) and never waits for an actor, a file or a database, so a burst
/// of scrapes cannot delay supervision and a busy supervisor cannot stall a scrape. Each
/// collection is also handed to `AlertJournal`, which raises aegisd's own alerts in journald.
final class MetricsExporter: Sendable {
    /// How often the status (backups, logs, free space, certificates) is collected at the
    /// least; a change the supervisor announces (a state, health, a failure) is collected at once.
    static let statusInterval: Duration = .seconds(5)
    /// How old the replication figures of a collection may be. Reading them takes a new
    /// connection to every PostgreSQL instance, which every 5 s was a tenth of an idle aegisd's
    /// CPU; a standby's lag or a lost slot is still seen within 15 s, as often as Prometheus
    /// usually scrapes.
    static let replicationInterval: Duration = .seconds(15)

    let server: MetricsServer
    private let sources: StatusAssembler
    private let account: ServiceAccount
    private let currentConfig: @Sendable () async -> AegisConfig
    private let alerts: AlertJournal
    private let logger: Logger
    private let snapshot = Shared<MetricsInput?>(nil)
    private let databases = Shared<[DatabaseFigures]>([])
    private let tasks = Mutex<[Task<Void, Never>]>([])

    /// - Parameter currentConfig: the configuration in force (it changes with reloads), for
    ///   the database readings.
    init(
        endpoint: MetricsEndpoint, access: MetricsAccess, identity: TLSServerIdentity?, sources: StatusAssembler, account: ServiceAccount,
        alerts settings: AlertsSettings, logger: Logger, currentConfig: @escaping @Sendable () async -> AegisConfig
    ) {
        self.alerts = AlertJournal(settings: settings, logger: logger)
        self.logger = logger
        self.sources = sources
        self.account = account
        self.currentConfig = currentConfig
        let snapshot = self.snapshot
        let databases = self.databases
        self.server = MetricsServer(endpoint: endpoint, access: access, identity: identity, logger: logger) { format in
            Self.render(snapshot.value, databases: databases.value, format: format)
        }
    }

    /// Collects once, binds the port and serves, and keeps collecting. Returns false when the
    /// port cannot be had (logged): the collections and aegisd's own alerts go on without it,
    /// since the databases matter more than their metrics and a scraper reports the target down.
    /// - Parameter serve: false to collect (for the alerts) without serving.
    func start(serve: Bool = true) async -> Bool {
        var input = await collect(previous: nil)
        snapshot.value = input
        var serving = serve
        do {
            if serve {
                try server.listen()
                server.start()
            }
        } catch {
            logger.error("\(error.message); aegisd runs without its metrics endpoint")
            serving = false
        }
        let status = Task { [self] in
            var seen = await sources.supervisor.changeCount
            while !Task.isCancelled {
                // Asleep until the supervisor announces a change or the interval passes: an idle
                // aegisd collects every few seconds, a service going down shows at once.
                seen = await sources.supervisor.waitForChange(since: seen, timeout: Self.statusInterval)
                input = await collect(previous: input)
                // The alerts see the database figures too; the snapshot carries their outcome.
                var evaluated = input
                evaluated.databases = databases.value
                await alerts.observe(evaluated)
                input.firingAlerts = await alerts.active
                input.notifications = alerts.deliveries
                snapshot.value = input
            }
        }
        // Database readings on a task of their own: a slow database delays only its figures.
        let figures = Task { [self] in await readDatabases() }
        tasks.withLock { $0 = [status, figures] }
        return serving
    }

    /// Delivers the alert notifications until cancelled; the metrics service runs this beside
    /// the exporter.
    func runAlertDeliveries() async { await alerts.runDeliveries() }

    func stop() async {
        let running = tasks.withLock { tasks in
            defer { tasks = [] }
            return tasks
        }
        for task in running { task.cancel() }
        for task in running { await task.value }
        server.stop()
    }

    /// Every `collect_interval_s`: each healthy PostgreSQL instance and Redis in turn, each
    /// under its deadline. A service that is not running loses its figures; one that is
    /// running but unhealthy keeps its last reading (with its time) until it is healthy again.
    private func readDatabases() async {
        var last: [String: DatabaseFigures] = [:]
        while !Task.isCancelled {
            let config = await currentConfig()
            let interval = config.metrics.collectIntervalS
            guard interval > 0 else {
                databases.value = []
                try? await Task.sleep(for: .seconds(5))
                continue
            }
            let collector = DatabaseFiguresCollector(
                config: config, account: account, timeout: min(.seconds(5), .seconds(interval)))
            let services = await sources.supervisor.status().services
            last = last.filter { name, _ in services.contains { $0.name == name && $0.state == .running } }
            for service in services where service.healthy {
                guard let id = ServiceID(rawValue: service.name), id.kind != .loki else { continue }
                last[service.name] = await collector.collect(id, previous: last[service.name])
                guard !Task.isCancelled else { return }
            }
            databases.value = services.compactMap { last[$0.name] }
            try? await Task.sleep(for: .seconds(interval))
        }
    }

    /// A new snapshot.
    private func collect(previous: MetricsInput?) async -> MetricsInput {
        let status = await sources.report(replicationMaxAge: Self.replicationInterval)
        let now = Date().timeIntervalSince1970
        let periods = await sources.backups.schedulePeriods()
        var input = MetricsInput(
            status: status, certificates: await sources.certificates.statusIfEnabled(),
            backupPeriodSeconds: periods.backup, drillPeriodSeconds: periods.drill, collectedAt: now, now: now)
        input.healthCheckDurations = await sources.supervisor.healthCheckDurations()
        // A process's start time never changes: read /proc only for a pid not seen before.
        for service in status.services {
            guard let pid = service.pid else { continue }
            let known = previous?.status.services.first { $0.name == service.name }?.pid == pid
            input.serviceStartTimes[service.name] = known
                ? previous?.serviceStartTimes[service.name] : ProcessFiguresReader.startTime(of: pid)
        }
        return input
    }

    /// One scrape's body: the snapshot's families, aegisd's process figures read now.
    static func render(_ snapshot: MetricsInput?, databases: [DatabaseFigures], format: MetricsFormat) -> String {
        guard var input = snapshot else { return MetricsExposition.render([], format: format) }
        input.databases = databases
        input.process = ProcessFiguresReader.read()
        input.now = Date().timeIntervalSince1970
        return MetricsExposition.render(MetricsMapping.families(input), format: format)
    }
}
