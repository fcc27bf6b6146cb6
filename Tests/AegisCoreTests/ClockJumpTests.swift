import Testing
import AegisCore

/// The backup schedule across large steps of the wall clock, with the clock injected: what the
/// scheduler loop does (`takeDue` at every wake-up, `reschedule` when time went back) over a
/// day, then a 40-day step forward, then a 40-day step back.
@Suite struct ClockJumpTests {
    typealias T = CronTestSupport

    func backupTable(lastRun: String, now: String) throws -> CronTable {
        CronTable([
            ScheduledJob(
                name: "backup", expression: try CronExpression("0 2 * * *"), timeZone: T.utc,
                lastRun: T.instant(lastRun), now: T.instant(now))
        ])
    }

    @Test func testForwardStep_runsTheMissedBackupOnce_thenKeepsTheDailyTime() throws {
        var table = try backupTable(lastRun: "2026-03-01T02:00:00Z", now: "2026-03-01T12:00:00Z")
        #expect(table.takeDue(at: T.instant("2026-03-01T12:00:00Z")) == [])
        // The clock jumps 40 days ahead: forty missed nights are one backup, not forty.
        let jumped = T.instant("2026-04-10T12:00:00Z")
        #expect(table.takeDue(at: jumped) == ["backup"])
        #expect(table.takeDue(at: jumped) == [])
        #expect(table["backup"]?.nextDue == T.instant("2026-04-11T02:00:00Z"))
        #expect(table.takeDue(at: T.instant("2026-04-11T02:00:00Z")) == ["backup"])
    }

    @Test func testBackwardStep_withoutRescheduleWouldWaitForTheOldDate_withItRunsTheNextNight() throws {
        var table = try backupTable(lastRun: "2026-04-10T02:00:00Z", now: "2026-04-10T12:00:00Z")
        #expect(table.nextWakeUp == T.instant("2026-04-11T02:00:00Z"))
        // The clock steps 40 days back. Left alone, the next backup would come only when the
        // clock reaches April 11 again: no backup for 40 nights.
        let steppedBack = T.instant("2026-03-01T12:00:00Z")
        var unattended = table
        #expect(unattended.takeDue(at: T.instant("2026-03-02T02:00:00Z")) == [])
        #expect(unattended.nextWakeUp == T.instant("2026-04-11T02:00:00Z"))
        // What the scheduler does when it sees the clock went back: due times from the new now,
        // nothing run at the step itself, and the next night's backup on time.
        table.reschedule(at: steppedBack)
        #expect(table.takeDue(at: steppedBack) == [])
        #expect(table.nextWakeUp == T.instant("2026-03-02T02:00:00Z"))
        #expect(table.takeDue(at: T.instant("2026-03-02T02:00:00Z")) == ["backup"])
        #expect(table.takeDue(at: T.instant("2026-03-02T02:00:01Z")) == [])
    }
}
