import AegisCore
import Logging

/// The full and differential base backups of `[pitr]`, as entries of the daemon's one
/// `JobScheduler` (beside the dumps, drills and maintenance, one job at a time). Their last
/// runs come from the repository, so a backup missed while aegisd was down is caught up once.
enum PITRSchedule {
    static func entries(_ pitr: PITRCoordinator, settings: PITRSettings, logger: Logger) async -> [SchedulerEntry] {
        guard settings.enabled, !pitr.services.isEmpty else { return [] }
        await pitr.refreshAll()
        let zone = BackupSchedule.zone(settings.timeZone)
        let lastRuns = [PITRBackupType.full: await pitr.lastBackupStart(.full), .diff: await pitr.lastBackupStart(.diff)]
        let drill = SchedulerEntry(name: "pitr-drill", schedule: settings.drillSchedule, zone: zone, lastRun: nil) {
            for service in pitr.services where !Task.isCancelled {
                if await pitr.standbySkip(service) != nil { continue }
                do throws(BackupFailure) {
                    _ = try await pitr.drill(service)
                } catch {
                    logger.warning("scheduled PITR drill of \(service.rawValue): \(error.reason)", metadata: ["service": "\(service.rawValue)"])
                }
            }
        }
        return [drill] + [(PITRBackupType.full, settings.fullSchedule), (.diff, settings.diffSchedule)].map { type, schedule in
            SchedulerEntry(name: "pitr-\(type.rawValue)", schedule: schedule, zone: zone, lastRun: lastRuns[type] ?? nil) {
                for service in pitr.services where !Task.isCancelled {
                if await pitr.standbySkip(service) != nil { continue }
                    do throws(BackupFailure) {
                        _ = try await pitr.backup(service, type: type)
                    } catch {
                        logger.error("scheduled \(type.rawValue) base backup of \(service.rawValue) not done: \(error.reason)",
                                     metadata: ["service": "\(service.rawValue)"])
                    }
                }
            }
        }
    }
}
