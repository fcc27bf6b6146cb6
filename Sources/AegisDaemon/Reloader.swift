import AegisCore
import AegisSystem
import Logging

/// Configuration reloads (SIGHUP, `aegisctl reload`): the file is read and checked again; a
/// bad file is refused with its errors and the running configuration stays in force; a good
/// one is applied as the core's `ReloadPlan` says (only changed services restart). systemd
/// hears `RELOADING=1` before and `READY=1` after. Also owns the backup schedule, which a
/// reload of `[backup]` replaces.
actor Reloader {
    let configPath: String
    private(set) var config: AegisConfig
    let context: DriverContext
    let supervisor: Supervisor
    let backups: BackupCoordinator
    let certificates: CertificateManager
    let maintenance: MaintenanceCoordinator
    /// Takes the Loki tenant and credentials at each reload.
    let logs: LogPipeline?
    let status: StatusAssembler
    /// Its base backups join the schedule; nil when no instance has point-in-time recovery.
    var pitr: PITRCoordinator?

    init(
        configPath: String, config: AegisConfig, context: DriverContext, supervisor: Supervisor, backups: BackupCoordinator,
        certificates: CertificateManager, maintenance: MaintenanceCoordinator, logs: LogPipeline?, status: StatusAssembler,
        pitr: PITRCoordinator? = nil
    ) {
        self.pitr = pitr
        self.logs = logs
        self.status = status
        self.maintenance = maintenance
        self.configPath = configPath
        self.config = config
        self.context = context
        self.supervisor = supervisor
        self.backups = backups
        self.certificates = certificates
    }

    var logger: Logger { context.logger }

    /// Runs the one scheduler with the backup, drill and maintenance jobs, once the services
    /// have settled, until cancelled (the daemon's `SchedulerService` runs this). A reload that
    /// changes the jobs' settings ends the running scheduler and starts one with the new jobs.
    func runSchedules() async {
        // Scheduled work waits until the services are up; an operator's backup need not.
        await supervisor.waitUntil(await supervisor.services, timeout: .seconds(config.supervision.startTimeoutS)) {
            $0.isSettledAfterStart
        }
        while !Task.isCancelled {
            let generation = schedules.generation
            let pitrEntries = await pitr.map { pitr in { await PITRSchedule.entries(pitr, settings: $0, logger: $1) } }?(config.pitr, logger) ?? []
            let entries = await BackupSchedule.entries(coordinator: backups, settings: config.backup, logger: logger)
                + (await OffsiteVerifySchedule.entries(
                    coordinator: backups, settings: config.offsite, zone: BackupSchedule.zone(config.backup.timeZone), logger: logger))
                + (await MaintenanceSchedule.entries(maintenance, settings: config.maintenance)) + pitrEntries
            let logger = logger
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await JobScheduler(entries: entries, logger: logger).run() }
                await schedules.wait(after: generation)
                group.cancelAll()
            }
        }
    }

    /// Bumped by a reload that changes the jobs; `runSchedules` waits on it.
    private let schedules = ChangeSignal()

    /// Re-reads the file and applies it. Returns what was done, or throws why nothing was.
    ///
    /// One at a time: the actor alone does not serialize them (a reload waits for services, and
    /// another could begin meanwhile, plan against the same old configuration, and restart the
    /// same services twice). A reload that arrives during another waits for it, then reads the
    /// file afresh, so it sees what the first one applied.
    func reload() async throws(ReloadFailure) -> String {
        await takeTurn()
        defer { endTurn() }
        context.notifier.reloading(status: "reloading \(configPath)")
        let result: Result<String, ReloadFailure>
        do { result = .success(try await apply()) } catch { result = .failure(error) }
        context.notifier.ready(status: await status.report().summary)
        return try result.get()
    }

    private var reloading = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    private func takeTurn() async {
        guard reloading else {
            reloading = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    /// Hands the turn to the next waiting reload, in arrival order.
    private func endTurn() {
        if waiting.isEmpty { reloading = false } else { waiting.removeFirst().resume() }
    }

    private func apply() async throws(ReloadFailure) -> String {
        let report = ConfigCheckReport.check(path: configPath, environment: .daemon)
        guard report.isUsable else {
            let problem = ConfigError(file: configPath, issues: report.errors).description
            logger.error("reload refused, the running configuration stays in force: \(problem)")
            throw ReloadFailure("the new configuration has errors; the running one stays in force:\n\(problem)")
        }
        let new: AegisConfig
        do {
            new = try ConfigLoader.load(path: configPath)
        } catch {
            throw ReloadFailure("the new configuration cannot be loaded; the running one stays in force: \(error)")
        }
        let plan = ReloadPlan(old: config, new: new)
        guard plan.needsDaemonRestart.isEmpty else {
            logger.error("reload \(plan.summary)")
            throw ReloadFailure(plan.summary)
        }
        logger.notice("reload: \(plan.summary)")
        // Certificates first: a server restarted for TLS must find its files.
        await certificates.update(config: new)
        let reissued: [ServiceID]
        do {
            reissued = try await certificates.prepare()
        } catch {
            await certificates.update(config: config)
            throw ReloadFailure("the certificates for the new configuration cannot be made: \(error.message)")
        }
        let newContext = DriverContext(
            config: new, account: context.account, daemonUser: context.daemonUser, logger: logger, notifier: context.notifier)
        let drivers = Dictionary(
            uniqueKeysWithValues: Daemon.drivers(new, newContext).map { ($0.service, $0) })
        await supervisor.applyReload(plan, drivers: drivers, stopTimeout: .seconds(120))
        // A certificate re-issued for a server that keeps running (its names follow every
        // server's listen addresses) is loaded without a restart, as a renewal is.
        await certificates.reloadCertificates(of: reissued.filter { !plan.restart.contains($0) && !plan.start.contains($0) })
        await backups.update(config: new)
        await maintenance.update(config: new)
        status.filesystemPaths.value = StatusAssembler.filesystemPaths(new)
        // Every reload, changed keys or not: the files may hold a rotated password or token.
        await logs?.reloadCredentials(new)
        config = new
        if plan.backupChanged || plan.maintenanceChanged { schedules.bump() }
        let changed = plan.restart + plan.start
        await supervisor.waitUntil(changed, timeout: .seconds(new.supervision.startTimeoutS)) { $0.isSettledAfterStart }
        return "reloaded \(configPath): \(plan.summary)"
    }
}

/// Why a reload changed nothing.
struct ReloadFailure: Error, CustomStringConvertible {
    let reason: String
    init(_ reason: String) { self.reason = reason }
    var description: String { reason }
}
