import AegisCore
import AegisSystem
import Dispatch
import Glibc
import Logging
import ServiceLifecycle
import UnixSignals

/// aegisd from start to exit: prepare the state tree, open the control socket, start every
/// service, keep systemd informed, and on SIGTERM/SIGINT stop everything in order and exit 0.
public enum Daemon {
    /// Runs until a termination signal. Returns the process exit code.
    public static func run(config: AegisConfig, configPath: String, logger: Logger) async -> Int32 {
        let notifier = SystemdNotifier()
        let account: ServiceAccount
        let lock: StateDirectoryLock
        do {
            account = try ServiceAccount.forChildren(configuredUser: config.daemon.user)
            try prepareStateTree(config.layout)
            // Before anything in the tree is written or cleaned up: that is the running one's.
            lock = try StateDirectoryLock.acquire(config.layout.lockFile)
        } catch {
            logger.critical("\(error.message)")
            return 1
        }
        defer { withExtendedLifetime(lock) {} }
        removeStagedLeftovers(config.layout, logger: logger)
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
        let backups = BackupCoordinator(config: config, account: account, supervisor: supervisor, logger: logger)
        await backups.recover()
        let maintenance = MaintenanceCoordinator(config: config, account: account, logger: logger)
        let pitr = PITRCoordinator(config: config, account: account, supervisor: supervisor, backups: backups, logger: logger)
        let status = StatusAssembler(
            supervisor: supervisor, backups: backups, certificates: certificates, logs: logs, maintenance: maintenance,
            config: config, pitr: pitr,
            replication: ReplicationMonitor(config: config, account: account, seeding: context.seeding, promotions: context.promotions,
                rejoined: context.rejoined))
        let schedules = ChangeSignal()
        let reloader = Reloader(
            configPath: configPath, config: config, context: context,
            targets: DaemonReloadTargets(
                context: context, supervisor: supervisor, backups: backups, certificates: certificates,
                maintenance: maintenance, pitr: pitr, logs: logs, status: status, schedules: schedules))
        let scheduler = ScheduleRunner(
            supervisor: supervisor, backups: backups, maintenance: maintenance,
            pitr: pitr, schedules: schedules, config: { await reloader.config },
            logger: logger)
        let handler = ControlHandler(
            supervisor: supervisor, backups: backups, reloader: reloader, certificates: certificates, logs: logs,
            maintenance: maintenance, status: status, operationTimeout: .seconds(config.supervision.startTimeoutS),
            pitr: pitr)
        let server = ControlServer(
            path: config.daemon.socket, socketGroup: ServiceAccount.groupID(named: config.daemon.socketGroup),
            handler: { await handler.answer($0) }, logger: logger)
        do {
            try server.listen()
        } catch {
            logger.critical("control socket: \(error)")
            return 1
        }
        // The signals are taken from their default actions before anything starts (a client
        // that hangs up is no reason to die); `SignalService` listens for them.
        for number in [SIGPIPE, SIGTERM, SIGINT, SIGHUP] { signal(number, SIG_IGN) }
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint, .sighup)
        // The shipper learns the supervised Loki's state from its first change on.
        await logs.follow(supervisor)
        logger.notice("aegisd \(AegisVersion.current) starting (pid \(getpid()), state in \(config.daemon.stateDir))")
        notifier.status("starting services")
        let request = ShutdownRequest()
        let group = ServiceGroup(configuration: .init(
            services: services(
                logs: logs, server: server, supervisor: supervisor, status: status, certificates: certificates,
                reloader: reloader, scheduler: scheduler, signals: signals, request: request, notifier: notifier, logger: logger,
                pitr: pitr.services.isEmpty ? nil : PITRService(pitr: pitr, supervisor: supervisor),
                metrics: metricsService(config, status: status, account: account, reloader: reloader, logger: logger),
                offsite: backups.offsite),
            logger: logger))
        do {
            try await group.run()
        } catch {
            logger.error("aegisd stopped after an error: \(error)")
            return 1
        }
        guard request.wasRequested else {
            logger.error("aegisd stopped: a part of it ended on its own (see the lines above)")
            return 1
        }
        logger.notice("aegisd stopped")
        return 0
    }

    /// The members of the daemon's service group, in start order; a graceful shutdown stops
    /// them in the reverse order, each after the one behind it has returned:
    ///
    /// 1. signals: SIGTERM/SIGINT end its loop, which begins the shutdown (SIGHUP reloads);
    /// 2. off-host uploads: a running rclone is killed (the next start uploads that backup again);
    /// 3. the scheduler: no new backup or maintenance job, a running one is cancelled;
    /// 4. certificate renewals;
    /// 5. the supervisor: every service down its stop ladder, in reverse start order;
    /// 6. the status monitor: STATUS= follows the services until they are all down;
    /// 7. the control socket: `aegisctl status` answers until then;
    /// 8. the log pipeline: the children's last lines reach journald and the spool.
    ///
    /// Any member that ends or fails on its own shuts the whole group down the same way, and
    /// aegisd then exits 1.
    static func services(
        logs: LogPipeline, server: ControlServer, supervisor: Supervisor, status: StatusAssembler,
        certificates: CertificateManager, reloader: Reloader, scheduler: ScheduleRunner, signals: UnixSignalsSequence,
        request: ShutdownRequest, notifier: SystemdNotifier, logger: Logger, pitr: PITRService? = nil, metrics: MetricsService? = nil, offsite: OffsiteReplicator? = nil
    ) -> [ServiceGroupConfiguration.ServiceConfiguration] {
        var members: [(String, any Service)] = [
            ("logs", LogPipelineService(logs: logs)),
            ("control", ControlServerService(server: server)),
            ("monitor", StatusMonitorService(supervisor: supervisor, status: status, notifier: notifier, logger: logger)),
            ("supervisor", SupervisorService(supervisor: supervisor)),
            ("certificates", CertificateRenewalService(certificates: certificates)),
            ("scheduler", SchedulerService(runner: scheduler)),
            ("signals", SignalService(
                signals: signals, requested: request, supervisor: supervisor, reloader: reloader, notifier: notifier,
                logger: logger)),
        ]
        // After the supervisor: stopped before the instances are (no stanza check against a
        // postmaster going down).
        if let pitr { members.insert(("pitr", pitr), at: 4) }
        // Right after the monitor: /metrics and the alerts follow the services while they stop.
        if let metrics { members.insert(("metrics", metrics), at: 3) }
        // After the scheduler: off-host uploads stop first, before the backups they copy.
        if let offsite {
            let scheduler = members.firstIndex { $0.0 == "scheduler" }!
            members.insert(("offsite", OffsiteService(replicator: offsite)), at: scheduler + 1)
        }
        return members.map { name, service in
            .init(
                service: service, successTerminationBehavior: .gracefullyShutdownGroup,
                failureTerminationBehavior: .gracefullyShutdownGroup, serviceName: name)
        }
    }

    /// `/metrics` and aegisd's own alerts. Nil only when `[metrics] listen` is unusable
    /// (`config check` refuses that before a start).
    static func metricsService(
        _ config: AegisConfig, status: StatusAssembler, account: ServiceAccount, reloader: Reloader, logger: Logger
    ) -> MetricsService? {
        guard case .success(let endpoint) = MetricsEndpoint.of(config.metrics) else { return nil }
        // Credentials that cannot be read close the endpoint: never serve without them.
        var access: MetricsAccess?
        switch MetricsAccessFiles.read(config.metrics) {
        case .success(let rule): access = rule
        case .failure(let problem):
            logger.error("metrics endpoint: \(problem.message); /metrics is not served until this is fixed and aegisd restarts")
        }
        // Read at every handshake: a file missing now fails the scrapes (logged here) until it is put in place.
        let identity = MetricsAccessFiles.identity(config)
        if let identity, let problem = MetricsAccessFiles.unreadable(identity) {
            logger.error("metrics endpoint: \(problem); HTTPS scrapes fail until it is readable by aegisd")
        }
        let exporter = MetricsExporter(
            endpoint: endpoint, access: access ?? .open, identity: identity, sources: status, account: account,
            alerts: config.alerts, logger: logger, currentConfig: { await reloader.config })
        return MetricsService(exporter: exporter, serve: access != nil, url: status.metricsURL)
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
    /// The temporaries of atomic writes a crash interrupted: each file they were to replace is
    /// still whole, so they are only clutter (and, in `secrets/`, copies of secrets).
    static func removeStagedLeftovers(_ layout: StateLayout, logger: Logger) {
        let removed = StagedFileSweep.run(
            root: layout.root, depth: 4,
            // pgBackRest's trees are its own; in a data directory only aegisd's files at its top.
            skipping: ["pgbackrest", "pgbackrest-spool"], shallow: ["data"])
        for path in removed {
            logger.notice("removed \(path), a half-written file left by an interrupted write (the file it was to replace is intact)")
        }
    }

    static func prepareStateTree(_ layout: StateLayout) throws(SystemError) {
        try FileSystem.makeDirectory(layout.root, mode: 0o755)
        for directory in [layout.dataDir, layout.runDir, layout.configDir] {
            try FileSystem.makeDirectory(directory, mode: 0o755)
        }
        try FileSystem.makeDirectory(layout.secretsDir, mode: 0o700)
    }
}
