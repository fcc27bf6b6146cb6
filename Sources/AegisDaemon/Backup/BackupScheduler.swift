import AegisCore
import AegisSystem
import Foundation
import Logging

/// Runs the backup and restore-drill schedules of `[backup]`: a `CronTable` (pure) decides
/// what is due; this actor sleeps until the next wake-up and hands due jobs to the
/// coordinator. It sleeps at most a minute at a time, so a wall-clock jump (NTP, a suspended
/// VM) is noticed within a minute. On start, a run missed while aegisd was down is caught up
/// once (the core's `CatchUpPolicy`), never as a burst.
actor BackupScheduler {
    static let backupJob = "backup"
    static let verifyJob = "verify"

    let coordinator: BackupCoordinator
    let settings: BackupSettings
    let zone: TimeZone
    let logger: Logger
    private var table = CronTable()

    init(coordinator: BackupCoordinator, settings: BackupSettings, logger: Logger) {
        self.coordinator = coordinator
        self.settings = settings
        self.zone = Self.zone(settings.timeZone)
        self.logger = logger
    }

    static func zone(_ name: String) -> TimeZone {
        name == "local" ? TimeZone.current : TimeZone(identifier: name) ?? TimeZone(secondsFromGMT: 0)!
    }

    /// Runs until cancelled.
    func run() async {
        guard settings.enabled else { return }
        let now = UTCTimestamp.now
        let history = await coordinator.history()
        var jobs: [ScheduledJob] = []
        for (name, text, last) in [
            (Self.backupJob, settings.schedule, history.lastBackupStart),
            (Self.verifyJob, settings.verifySchedule, history.lastVerified),
        ] {
            // Validated at load; a bad expression here would be our bug, but not worth a crash.
            guard let expression = try? CronExpression(text) else { continue }
            let job = ScheduledJob(name: name, expression: expression, timeZone: zone, lastRun: last, now: now)
            logger.info("schedule: \(job.description) (\(job.startDecision))")
            jobs.append(job)
        }
        table = CronTable(jobs)
        while !Task.isCancelled {
            let now = UTCTimestamp.now
            for name in table.takeDue(at: now) {
                await runJob(name)
            }
            let wake = table.nextWakeUp.map { $0.secondsSinceEpoch - UTCTimestamp.now.secondsSinceEpoch } ?? 60
            try? await Task.sleep(for: .seconds(max(1, min(60, wake))))
        }
    }

    private func runJob(_ name: String) async {
        let services = await coordinator.services
        for service in services where !Task.isCancelled {
            if name == Self.backupJob {
                do {
                    _ = try await coordinator.backup(service)
                } catch {
                    logger.error("scheduled backup of \(service.rawValue) not run: \(error.reason)",
                                 metadata: ["service": "\(service.rawValue)"])
                }
            } else {
                do {
                    _ = try await coordinator.verify(service, backup: "latest", identity: nil)
                } catch {
                    logger.warning("scheduled restore drill of \(service.rawValue) not run: \(error.reason)",
                                   metadata: ["service": "\(service.rawValue)"])
                }
            }
        }
    }
}
