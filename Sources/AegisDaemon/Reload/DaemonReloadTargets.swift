import AegisCore
import AegisSystem

/// The running daemon's components as a reload's targets.
struct DaemonReloadTargets: ReloadTargets {
    let context: DriverContext
    let supervisor: Supervisor
    let backups: BackupCoordinator
    let certificates: CertificateManager
    let maintenance: MaintenanceCoordinator
    /// Follows the replication role (nothing of `[pitr]` itself changes without a restart).
    var pitr: PITRCoordinator? = nil
    /// Takes the Loki tenant and credentials at each reload.
    let logs: LogPipeline?
    let status: StatusAssembler
    /// Bumped when the jobs change; `ScheduleRunner` waits on it.
    let schedules: ChangeSignal

    func announceReloading(_ status: String) { context.notifier.reloading(status: status) }

    func announceReady() async { context.notifier.ready(status: await status.summaryReport().summary) }

    func prepareCertificates(for config: AegisConfig) async throws(SystemError) -> [ServiceID] {
        await certificates.update(config: config)
        return try await certificates.prepare()
    }

    func restoreCertificates(_ config: AegisConfig) async { await certificates.update(config: config) }

    func applyServices(_ plan: ReloadPlan, config: AegisConfig) async {
        // The shared state of promotions, a rejoin and first copies carries over: a restarted
        // instance must not start as a primary again because its driver forgot a rejoin.
        let newContext = DriverContext(
            config: config, account: context.account, daemonUser: context.daemonUser, logger: context.logger,
            notifier: context.notifier, seeding: context.seeding, promotions: context.promotions, rejoined: context.rejoined)
        let drivers = Dictionary(uniqueKeysWithValues: Daemon.drivers(config, newContext).map { ($0.service, $0) })
        await supervisor.applyReload(plan, drivers: drivers, stopTimeout: .seconds(120))
    }

    func reloadCertificates(of services: [ServiceID]) async { await certificates.reloadCertificates(of: services) }

    func update(_ config: AegisConfig) async {
        await backups.update(config: config)
        await maintenance.update(config: config)
        await pitr?.update(replication: config.replication)
        // A standby's replication client certificate is watched with this host's own.
        await certificates.update(config: config)
        status.filesystemPaths.value = StatusAssembler.filesystemPaths(config)
        // Every reload, changed keys or not: the files may hold a rotated password or token.
        await logs?.reloadCredentials(config)
    }

    func schedulesChanged() { schedules.bump() }

    func waitSettled(_ services: [ServiceID], timeout: Duration) async {
        await supervisor.waitUntil(services, timeout: timeout) { $0.isSettledAfterStart }
    }
}
