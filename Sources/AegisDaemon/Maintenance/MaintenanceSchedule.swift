import AegisCore
import Foundation

/// The maintenance jobs as entries of the daemon's one `JobScheduler`. No run is recorded
/// across restarts of aegisd, so none is caught up: each waits for its next scheduled time.
enum MaintenanceSchedule {
    static func entries(_ coordinator: MaintenanceCoordinator, settings: MaintenanceSettings) async -> [SchedulerEntry] {
        guard settings.enabled else { return [] }
        let zone = BackupSchedule.zone(settings.timeZone)
        var jobs: [MaintenanceJob] = []
        for job in await coordinator.jobs where await coordinator.standbySkip(job) == nil { jobs.append(job) }
        return jobs.map { job in
            SchedulerEntry(name: "maintenance:\(job.name)", schedule: job.schedule, zone: zone, lastRun: nil) {
                // A refusal (already running from an operator's request) is nothing to add to.
                _ = try? await coordinator.run(job.name)
            }
        }
    }
}
