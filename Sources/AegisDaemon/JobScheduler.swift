import AegisCore
import AegisSystem
import Foundation
import Logging

/// One job handed to the scheduler: its name, when it runs, and what it does.
struct SchedulerEntry: Sendable {
    let name: String
    /// A cron expression, validated at load; an empty one means "on demand only" and is skipped.
    let schedule: String
    let zone: TimeZone
    /// When it last began, for the catch-up decision at start; nil when unknown.
    let lastRun: UTCTimestamp?
    let run: @Sendable () async -> Void
}

/// The daemon's one in-process cron scheduler, for backups, restore drills and maintenance: a
/// `CronTable` (pure) decides what is due; this actor sleeps until the next wake-up and runs
/// the due jobs one after another (so a backup and a VACUUM never compete for the disk). It
/// sleeps at most a minute at a time, so a wall-clock jump (NTP, a suspended VM) is noticed
/// within a minute.
actor JobScheduler {
    let entries: [SchedulerEntry]
    let logger: Logger
    private var table = CronTable()

    init(entries: [SchedulerEntry], logger: Logger) {
        self.entries = entries
        self.logger = logger
    }

    /// Runs until cancelled.
    func run() async {
        let now = UTCTimestamp.now
        var jobs: [ScheduledJob] = []
        var actions: [String: @Sendable () async -> Void] = [:]
        for entry in entries where !entry.schedule.isEmpty {
            // Validated at load; a bad expression here would be our bug, but not worth a crash.
            guard let expression = try? CronExpression(entry.schedule), actions[entry.name] == nil else { continue }
            let job = ScheduledJob(
                name: entry.name, expression: expression, timeZone: entry.zone, lastRun: entry.lastRun, now: now)
            logger.info("schedule: \(job.description) (\(job.startDecision))")
            jobs.append(job)
            actions[entry.name] = entry.run
        }
        guard !jobs.isEmpty else { return }
        table = CronTable(jobs)
        while !Task.isCancelled {
            let now = UTCTimestamp.now
            for name in table.takeDue(at: now) where !Task.isCancelled {
                await actions[name]?()
            }
            let wake = table.nextWakeUp.map { $0.secondsSinceEpoch - UTCTimestamp.now.secondsSinceEpoch } ?? 60
            try? await Task.sleep(for: .seconds(max(1, min(60, wake))))
        }
    }
}
