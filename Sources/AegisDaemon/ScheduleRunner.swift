import AegisCore
import Logging

/// Runs the one scheduler with the backup, drill, maintenance and PITR jobs, once the services
/// have settled, until cancelled (the daemon's `SchedulerService` runs this). A reload that
/// changes the jobs' settings bumps `schedules`: the running scheduler ends and one with the
/// new jobs starts.
struct ScheduleRunner: Sendable {
    let supervisor: Supervisor
    let backups: BackupCoordinator
    let maintenance: MaintenanceCoordinator
    /// Its base backups join the schedule (none when no instance has point-in-time recovery).
    let pitr: PITRCoordinator
    let schedules: ChangeSignal
    /// The configuration in force (the reloader's).
    let config: @Sendable () async -> AegisConfig
    let logger: Logger

    func run() async {
        // Scheduled work waits until the services are up; an operator's backup need not.
        let startTimeout = Duration.seconds(await config().supervision.startTimeoutS)
        await supervisor.waitUntil(await supervisor.services, timeout: startTimeout) { $0.isSettledAfterStart }
        while !Task.isCancelled {
            // The generation before the configuration: a reload sets its configuration before
            // it bumps, so the jobs below are never older than the generation waited on.
            let generation = schedules.generation
            let config = await config()
            let logger = logger
            let entries = await BackupSchedule.entries(coordinator: backups, settings: config.backup, logger: logger)
                + (await OffsiteVerifySchedule.entries(
                    coordinator: backups, settings: config.offsite, zone: BackupSchedule.zone(config.backup.timeZone), logger: logger))
                + (await MaintenanceSchedule.entries(maintenance, settings: config.maintenance))
                + (await PITRSchedule.entries(pitr, settings: config.pitr, logger: logger))
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await JobScheduler(entries: entries, logger: logger).run() }
                await schedules.wait(after: generation)
                group.cancelAll()
            }
        }
    }
}
