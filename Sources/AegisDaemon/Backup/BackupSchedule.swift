import AegisCore
import AegisSystem
import Foundation
import Logging

/// The backup and restore-drill jobs of `[backup]`, as entries of the daemon's one
/// `JobScheduler` (which the maintenance jobs share). Their last runs come from the backup
/// catalog, so a run missed while aegisd was down is caught up once (the core's `CatchUpPolicy`).
enum BackupSchedule {
    static let backupJob = "backup"
    static let verifyJob = "verify"

    static func zone(_ name: String) -> TimeZone {
        name == "local" ? TimeZone.current : TimeZone(identifier: name) ?? TimeZone(secondsFromGMT: 0)!
    }

    static func entries(coordinator: BackupCoordinator, settings: BackupSettings, logger: Logger) async -> [SchedulerEntry] {
        // A standby has nothing of its own to back up; status says so (`BackupStatus.skipped`).
        guard settings.enabled, await !coordinator.everyServiceSkipped else { return [] }
        let history = await coordinator.history()
        let zone = zone(settings.timeZone)
        return [
            SchedulerEntry(name: backupJob, schedule: settings.schedule, zone: zone, lastRun: history.lastBackupStart) {
                await runBackups(coordinator, logger: logger)
            },
            SchedulerEntry(name: verifyJob, schedule: settings.verifySchedule, zone: zone, lastRun: history.lastVerified) {
                await runDrills(coordinator, logger: logger)
            },
        ]
    }

    private static func runBackups(_ coordinator: BackupCoordinator, logger: Logger) async {
        for service in await coordinator.services where !Task.isCancelled {
            if await coordinator.standbySkip(service) != nil { continue }
            do {
                _ = try await coordinator.backup(service)
            } catch {
                logger.error("scheduled backup of \(service.rawValue) not run: \(error.reason)",
                             metadata: ["service": "\(service.rawValue)"])
            }
        }
    }

    private static func runDrills(_ coordinator: BackupCoordinator, logger: Logger) async {
        for service in await coordinator.services where !Task.isCancelled {
            if await coordinator.standbySkip(service) != nil { continue }
            do {
                _ = try await coordinator.verify(service, backup: "latest", identity: .daemonDefault)
            } catch {
                logger.warning("scheduled restore drill of \(service.rawValue) not run: \(error.reason)",
                               metadata: ["service": "\(service.rawValue)"])
            }
        }
    }
}
