import AegisCore
import Foundation
import Logging

/// `[offsite] verify_schedule`, the job of a verifier host: a machine that holds the backup key
/// (which the production host does not) drills the newest off-host backup of every service and
/// writes each result beside the backup in the store, where the production host reads it.
enum OffsiteVerifySchedule {
    static let job = "offsite-verify"

    static func entries(coordinator: BackupCoordinator, settings: OffsiteSettings, zone: TimeZone, logger: Logger) async -> [SchedulerEntry] {
        guard settings.enabled, !settings.verifySchedule.isEmpty else { return [] }
        // No local record of the last remote drill: nothing is caught up at start, the first
        // drill runs at the next scheduled time.
        return [SchedulerEntry(name: job, schedule: settings.verifySchedule, zone: zone, lastRun: nil) {
            await runDrills(coordinator, logger: logger)
        }]
    }

    /// The key is this host's own (`secrets/backup.agekey`); a failure is in the store's
    /// `verified.json` for the production host to show, and in this host's log.
    private static func runDrills(_ coordinator: BackupCoordinator, logger: Logger) async {
        for service in await coordinator.services where !Task.isCancelled {
            do {
                _ = try await coordinator.verify(service, backup: "latest", identity: .daemonDefault, remote: true)
            } catch {
                logger.warning("scheduled off-host restore drill of \(service.rawValue) failed: \(error.reason)",
                               metadata: ["service": "\(service.rawValue)"])
            }
        }
    }
}
