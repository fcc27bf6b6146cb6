import AegisCore
import AegisSystem
import Dispatch
import Glibc
import Logging

/// aegisd from start to exit: prepare the state tree, open the control socket, start every
/// service, keep systemd informed, and on SIGTERM/SIGINT stop everything in order and exit 0.
public enum Daemon {
    /// Runs until a termination signal. Returns the process exit code.
    public static func run(config: AegisConfig, configPath: String, logger: Logger) async -> Int32 {
        let notifier = SystemdNotifier()
        let account: ServiceAccount
        do {
            account = try ServiceAccount.forChildren(configuredUser: config.daemon.user)
            try prepareStateTree(config.layout)
        } catch {
            logger.critical("\(error.message)")
            return 1
        }
        let daemonUser = ServiceAccount.lookup(uid: geteuid())?.name ?? "root"
        let echo: LogRouter.Echo = config.logs.journal ? (JournalWriter.isAvailable ? .journal : .stderr) : .none
        let logs = LogPipeline.make(config: config, echo: echo, logger: logger)
        let context = DriverContext(
            config: config, account: account, daemonUser: daemonUser, logger: logger, notifier: notifier)
        let supervisor = Supervisor(
            drivers: drivers(config, context), settings: config.supervision, layout: config.layout,
            ports: Dictionary(uniqueKeysWithValues: ServiceID.allCases.map { ($0, config.port(of: $0)) }),
            logger: logger, output: ChildOutput(router: logs.router))
        let certificates = CertificateManager(config: config, account: account, supervisor: supervisor, logger: logger)
        do {
            try await certificates.prepare()
        } catch {
            logger.critical("TLS certificates: \(error.message)")
            return 1
        }
        await certificates.startRenewals()
        let backups = BackupCoordinator(config: config, account: account, supervisor: supervisor, logger: logger)
        await backups.recover()
        let maintenance = MaintenanceCoordinator(config: config, account: account, logger: logger)
        let reloader = Reloader(
            configPath: configPath, config: config, context: context, supervisor: supervisor, backups: backups,
            certificates: certificates, maintenance: maintenance)
        let handler = ControlHandler(
            supervisor: supervisor, backups: backups, reloader: reloader, certificates: certificates, logs: logs,
            maintenance: maintenance, operationTimeout: .seconds(config.supervision.startTimeoutS))
        let server = ControlServer(
            path: config.daemon.socket, socketGroup: ServiceAccount.groupID(named: config.daemon.socketGroup),
            handler: { await handler.answer($0) }, logger: logger)
        do {
            try server.listen()
        } catch {
            logger.critical("control socket: \(error)")
            return 1
        }
        let signals = TerminationSignals(onHangup: {
            Task {
                logger.notice("SIGHUP received: reloading the configuration")
                _ = try? await reloader.reload()
            }
        })
        let serverTask = Task { try? await server.run() }
        await logs.start()
        let metrics = await startMetrics(
            config, sources: handler.sources, account: account, logger: logger, currentConfig: { await reloader.config })
        if let metrics, metrics.serving { handler.metricsURL.value = metrics.exporter.server.endpoint.url }
        logger.notice("aegisd \(AegisVersion.current) starting (pid \(getpid()), state in \(config.daemon.stateDir))")
        notifier.status("starting services")
        let startTask = Task { await supervisor.startAll() }
        let monitorTask = Task {
            await monitor(
                supervisor, backups: backups, certificates: certificates, maintenance: maintenance, notifier: notifier,
                logger: logger)
        }
        await reloader.startSchedules()

        let signal = await signals.next()
        logger.notice("received \(signal == SIGINT ? "SIGINT" : "SIGTERM"): stopping every service")
        notifier.stopping(status: "stopping services")
        await reloader.stopSchedules()
        await certificates.stop()
        await supervisor.beginShutdown()
        await startTask.value
        await supervisor.stopAll()
        // After the children: their last lines are in the spool for the next start.
        await logs.stop()
        monitorTask.cancel()
        await metrics?.exporter.stop()
        server.stop()
        _ = await serverTask.value
        logger.notice("aegisd stopped")
        return 0
    }

    /// The `/metrics` endpoint and aegisd's own alerts (journald). Nil only when `[metrics]
    /// listen` is unusable (`config check` refuses that before a start).
    static func startMetrics(
        _ config: AegisConfig, sources: StatusSources, account: ServiceAccount, logger: Logger,
        currentConfig: @escaping @Sendable () async -> AegisConfig
    ) async -> (exporter: MetricsExporter, serving: Bool)? {
        guard case .success(let endpoint) = MetricsEndpoint.of(config.metrics) else { return nil }
        // A configured token that cannot be read closes the endpoint: never serve without it.
        var token: BearerToken?
        var serve = true
        if !config.metrics.bearerTokenFile.isEmpty {
            let file = config.metrics.bearerTokenFile
            token = (try? FileSystem.read(file)).flatMap { $0 }.flatMap(BearerToken.init(fileContent:))
            if token == nil {
                logger.error("metrics endpoint: [metrics] bearer_token_file \(file) is missing, unreadable or empty; /metrics is not served until it holds a token and aegisd restarts")
                serve = false
            }
        }
        let exporter = MetricsExporter(
            endpoint: endpoint, token: token, sources: sources, account: account, alerts: config.alerts, logger: logger,
            currentConfig: currentConfig)
        return (exporter, await exporter.start(serve: serve))
    }

    static func drivers(_ config: AegisConfig, _ context: DriverContext) -> [any ServiceDriver] {
        ServiceID.allCases.filter(config.isEnabled).map { id -> any ServiceDriver in
            switch id.kind {
            case .postgres: PostgresDriver(instance: id.postgresInstance!, context: context)
            case .redis: RedisDriver(context: context)
            case .loki: LokiDriver(context: context)
            }
        }
    }

    /// The shared directories; each driver makes its own below them, owned by the service user.
    static func prepareStateTree(_ layout: StateLayout) throws(SystemError) {
        try FileSystem.makeDirectory(layout.root, mode: 0o755)
        for directory in [layout.dataDir, layout.runDir, layout.configDir] {
            try FileSystem.makeDirectory(directory, mode: 0o755)
        }
        try FileSystem.makeDirectory(layout.secretsDir, mode: 0o700)
    }

    /// Keeps systemd's STATUS= current, sends READY=1 once everything is healthy, and pings the
    /// watchdog from the supervisor's own executor, so a wedged supervisor stops the pings.
    static func monitor(
        _ supervisor: Supervisor, backups: BackupCoordinator, certificates: CertificateManager,
        maintenance: MaintenanceCoordinator, notifier: SystemdNotifier, logger: Logger
    ) async {
        var lastSummary = ""
        var ready = false
        let watchdog = notifier.watchdogInterval.map { $0 / 2 }
        var lastPing = ContinuousClock.now
        func summary() async -> String {
            var report = await supervisor.status()
            report.backups = await backups.statuses()
            report.certificateWarnings = await certificates.warnings
            report.maintenance = await maintenance.statuses()
            return report.summary
        }
        while !Task.isCancelled {
            // Readiness first, then the summary: READY=1 must carry the status it announces.
            let becameReady = !ready ? await supervisor.allHealthy() : false
            let summary = await summary()
            if becameReady {
                ready = true
                await supervisor.markReady()
                notifier.ready(status: summary)
                logger.notice("ready: \(summary)")
            } else if summary != lastSummary {
                notifier.status(summary)
            }
            lastSummary = summary
            if let watchdog, ContinuousClock.now - lastPing >= watchdog {
                notifier.watchdog()
                lastPing = .now
            }
            try? await Task.sleep(for: ready ? .milliseconds(500) : .milliseconds(20))
        }
    }
}

/// SIGTERM and SIGINT as an async value; the default actions are disabled so that aegisd can
/// stop its children first. SIGHUP calls `onHangup`. SIGPIPE is ignored (a client that hangs up
/// is not fatal).
final class TerminationSignals {
    private let stream: AsyncStream<Int32>
    private let sources: [any DispatchSourceSignal]

    init(onHangup: @escaping @Sendable () -> Void) {
        signal(SIGPIPE, SIG_IGN)
        let (stream, continuation) = AsyncStream<Int32>.makeStream()
        self.stream = stream
        self.sources = [SIGTERM, SIGINT, SIGHUP].map { (number: Int32) -> any DispatchSourceSignal in
            Glibc.signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                if number == SIGHUP {
                    onHangup()
                } else {
                    continuation.yield(number)
                }
            }
            source.resume()
            return source
        }
    }

    func next() async -> Int32 {
        for await signal in stream { return signal }
        return SIGTERM
    }
}
