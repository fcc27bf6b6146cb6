import AegisCore
import Foundation
import Logging
import Synchronization
import Testing
@testable import AegisDaemon

/// The job scheduler on a clock the test drives: days pass in microseconds, and the wall clock
/// jumps both ways, with every step handed over when the scheduler has gone back to sleep.
@Suite struct JobSchedulerTests {
    final class Runs: Sendable {
        let times = Mutex<[UTCTimestamp]>([])
        var value: [UTCTimestamp] { times.withLock { $0 } }
    }

    static let midnight = UTCTimestamp(year: 2026, month: 12, day: 1)

    /// A scheduler of one daily 02:00 UTC job, last run the day before, sleeping.
    static func start(clock: ManualSchedulerClock, runs: Runs) async -> Task<Void, Never> {
        let entry = SchedulerEntry(
            name: "backup", schedule: "0 2 * * *", zone: TimeZone(identifier: "UTC")!,
            lastRun: UTCTimestamp(year: 2026, month: 11, day: 30, hour: 2), run: { runs.times.withLock { $0.append(clock.now) } })
        let scheduler = JobScheduler(entries: [entry], logger: Logger(label: "test"), clock: clock)
        let task = Task { await scheduler.run() }
        await clock.nextSleep()
        return task
    }

    /// Lets `seconds` pass a minute at a time (the scheduler never sleeps longer), each time
    /// until it sleeps again.
    static func pass(_ seconds: Int64, on clock: ManualSchedulerClock) async {
        var left = seconds
        while left > 0 {
            let step = min(60, left)
            clock.advance(seconds: step)
            await clock.nextSleep()
            left -= step
        }
    }

    @Test func testDailyJob_runsAtItsTime_onceADay() async {
        let clock = ManualSchedulerClock(wall: Self.midnight)
        let runs = Runs()
        let task = await Self.start(clock: clock, runs: runs)
        await Self.pass(2 * 3600 - 60, on: clock)
        #expect(runs.value.isEmpty, "not before 02:00")
        await Self.pass(60, on: clock)
        #expect(runs.value == [UTCTimestamp(year: 2026, month: 12, day: 1, hour: 2)])
        await Self.pass(24 * 3600, on: clock)
        #expect(runs.value.count == 2 && runs.value.last == UTCTimestamp(year: 2026, month: 12, day: 2, hour: 2))
        task.cancel()
        await task.value
    }

    @Test func testWallClockJumps_forwardRunsOverdueOnce_backwardRecomputesTheNextRun() async {
        let clock = ManualSchedulerClock(wall: Self.midnight)
        let runs = Runs()
        let task = await Self.start(clock: clock, runs: runs)

        // Three days forward (a VM resumed): three 02:00s passed, the job runs once, at once.
        clock.jumpWall(to: UTCTimestamp(year: 2026, month: 12, day: 4, hour: 12))
        await Self.pass(60, on: clock)
        #expect(runs.value == [UTCTimestamp(year: 2026, month: 12, day: 4, hour: 12, minute: 1)])

        // Back to 01:00 of the same day: the next run is at 02:00 of that day, an hour away, not
        // at tomorrow's 02:00 computed on the old clock.
        clock.jumpWall(to: UTCTimestamp(year: 2026, month: 12, day: 4, hour: 1))
        await Self.pass(3600, on: clock)
        #expect(runs.value.count == 2 && runs.value.last == UTCTimestamp(year: 2026, month: 12, day: 4, hour: 2))
        task.cancel()
        await task.value
    }
}
