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
/// within a minute. The clock is injected (`SchedulerClock`), so tests run it through days.
actor JobScheduler {
    let entries: [SchedulerEntry]
    let logger: Logger
    let clock: any SchedulerClock
    private var table = CronTable()

    init(entries: [SchedulerEntry], logger: Logger, clock: any SchedulerClock = SystemSchedulerClock()) {
        self.entries = entries
        self.logger = logger
        self.clock = clock
    }

    /// Runs until cancelled.
    func run() async {
        let now = clock.now
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
        var previous = now
        while !Task.isCancelled {
            let now = clock.now
            // The wall clock went back (an NTP step, a restored VM snapshot): every next due
            // time was computed on the old clock and would now lie too far ahead, so compute
            // them again from the new time. A forward jump needs nothing: the overdue jobs are
            // simply due.
            if now.secondsSinceEpoch < previous.secondsSinceEpoch {
                logger.warning("schedule: the wall clock went back \(previous.secondsSinceEpoch - now.secondsSinceEpoch) s; next run times computed again from \(now)")
                table.reschedule(at: now)
            }
            previous = now
            for name in table.takeDue(at: now) where !Task.isCancelled {
                await actions[name]?()
            }
            let wake = table.nextWakeUp.map { $0.secondsSinceEpoch - clock.now.secondsSinceEpoch } ?? 60
            await clock.sleep(seconds: max(1, min(60, wake)))
        }
    }
}
