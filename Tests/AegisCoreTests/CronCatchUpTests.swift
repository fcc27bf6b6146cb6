import Foundation
import Testing
import AegisCore

@Suite struct CronCatchUpTests {
    typealias T = CronTestSupport

    struct Case: Sendable, CustomTestStringConvertible {
        var expression: String
        var zone = "UTC"
        var lastRun: String?
        var now: String
        var policy = CatchUpPolicy.default
        var expected: CatchUpDecision
        var testDescription: String { "\(expression), last \(lastRun ?? "never"), now \(now)" }
    }

    static let cases: [Case] = [
        // The default backup schedule.
        Case(expression: "0 2 * * *", lastRun: "2026-01-10T02:00:00Z", now: "2026-01-10T10:00:00Z", expected: .upToDate),
        Case(expression: "0 2 * * *", lastRun: "2026-01-09T02:00:05Z", now: "2026-01-10T10:00:00Z",
             expected: .runNow(missed: T.instant("2026-01-10T02:00:00Z"))),
        // Nine days down: one run for the most recent occurrence, not nine.
        Case(expression: "0 2 * * *", lastRun: "2026-01-01T02:00:00Z", now: "2026-01-10T10:00:00Z",
             expected: .runNow(missed: T.instant("2026-01-10T02:00:00Z"))),
        Case(expression: "0 2 * * *", lastRun: "2026-01-08T02:00:00Z", now: "2026-01-10T01:59:59Z",
             expected: .runNow(missed: T.instant("2026-01-09T02:00:00Z"))),
        // An occurrence at exactly `now` is simply due.
        Case(expression: "0 2 * * *", lastRun: "2026-01-09T02:00:00Z", now: "2026-01-10T02:00:00Z",
             expected: .runNow(missed: T.instant("2026-01-10T02:00:00Z"))),
        Case(expression: "0 2 * * *", lastRun: nil, now: "2026-01-10T10:00:00Z", expected: .noHistory),
        // The wall clock was set back behind the last run.
        Case(expression: "0 2 * * *", lastRun: "2026-01-11T02:00:00Z", now: "2026-01-10T10:00:00Z", expected: .upToDate),
        // A weekly restore drill (Sundays 04:30) missed two and a half days ago is left for next week...
        Case(expression: "30 4 * * 0", lastRun: "2026-01-04T04:30:00Z", now: "2026-01-07T12:00:00Z", expected: .upToDate),
        Case(expression: "30 4 * * 0", lastRun: "2026-01-04T04:30:00Z", now: "2026-01-13T12:00:00Z",
             expected: .tooLate(missed: T.instant("2026-01-11T04:30:00Z"), lateness: .seconds(55 * 3600 + 1800))),
        // ...unless the policy allows that much lateness.
        Case(expression: "30 4 * * 0", lastRun: "2026-01-04T04:30:00Z", now: "2026-01-13T12:00:00Z", policy: .always,
             expected: .runNow(missed: T.instant("2026-01-11T04:30:00Z"))),
        Case(expression: "30 4 * * 0", lastRun: "2026-01-04T04:30:00Z", now: "2026-01-13T12:00:00Z",
             policy: CatchUpPolicy(maxLateness: .seconds(3 * 86_400)), expected: .runNow(missed: T.instant("2026-01-11T04:30:00Z"))),
        // Plain cron: never run late.
        Case(expression: "0 2 * * *", lastRun: "2026-01-09T02:00:00Z", now: "2026-01-10T10:00:00Z", policy: .never,
             expected: .tooLate(missed: T.instant("2026-01-10T02:00:00Z"), lateness: .seconds(8 * 3600))),
        Case(expression: "0 2 * * *", lastRun: "2026-01-09T02:00:00Z", now: "2026-01-10T02:00:00Z", policy: .never,
             expected: .runNow(missed: T.instant("2026-01-10T02:00:00Z"))),
        // Every minute, down for a year: the last minute only.
        Case(expression: "* * * * *", lastRun: "2025-01-10T10:00:00Z", now: "2026-01-10T10:00:30Z",
             expected: .runNow(missed: T.instant("2026-01-10T10:00:00Z"))),
        Case(expression: "0 0 31 2 *", lastRun: "2020-01-01T00:00:00Z", now: "2026-01-10T10:00:00Z", expected: .upToDate),
        // Across the spring-forward gap, the missed occurrence is the gap's end.
        Case(expression: "30 2 * * *", zone: "Europe/Berlin", lastRun: "2026-03-28T02:30:00+01:00", now: "2026-03-29T09:00:00+02:00",
             expected: .runNow(missed: T.instant("2026-03-29T03:00:00+02:00"))),
        Case(expression: "0 2 * * *", zone: "America/New_York", lastRun: "2026-10-31T02:00:00-04:00", now: "2026-11-01T08:00:00-05:00",
             expected: .runNow(missed: T.instant("2026-11-01T02:00:00-05:00"))),
    ]

    @Test(arguments: cases)
    func testCatchUpDecisions(_ c: Case) throws {
        let decision = c.policy.decide(
            lastRun: c.lastRun.map(T.instant), expression: try CronExpression(c.expression),
            in: T.zone(c.zone), now: T.instant(c.now))
        #expect(decision == c.expected)
    }

    private func job(_ name: String, _ expression: String, lastRun: String?, now: String) throws -> ScheduledJob {
        ScheduledJob(
            name: name, expression: try CronExpression(expression), timeZone: T.utc,
            lastRun: lastRun.map(T.instant), now: T.instant(now))
    }

    @Test func testAJobThatMissedItsRun_isDueAtStart_thenAtItsNextTime() throws {
        let now = T.instant("2026-01-10T10:00:00Z")
        var table = CronTable([try job("backup", "0 2 * * *", lastRun: "2026-01-09T02:00:00Z", now: "2026-01-10T10:00:00Z")])
        #expect(table["backup"]?.startDecision == .runNow(missed: T.instant("2026-01-10T02:00:00Z")))
        #expect(table.nextWakeUp == now)
        #expect(table.takeDue(at: now) == ["backup"])
        #expect(table["backup"]?.lastRun == now)
        #expect(table["backup"]?.nextDue == T.instant("2026-01-11T02:00:00Z"))
        #expect(table.takeDue(at: now) == [])
        #expect(table.takeDue(at: T.instant("2026-01-11T01:59:59Z")) == [])
        #expect(table.takeDue(at: T.instant("2026-01-11T02:00:00Z")) == ["backup"])
    }

    @Test func testOneTableServesBackupsAndMaintenance_andWakesForTheEarliest() throws {
        let start = "2026-01-10T10:00:00Z"
        var table = CronTable([
            try job("backup", "0 2 * * *", lastRun: "2026-01-10T02:00:00Z", now: start),
            try job("verify", "30 4 * * 0", lastRun: nil, now: start),
            try job("vacuum", "15 */6 * * *", lastRun: "2026-01-10T06:15:00Z", now: start),
        ])
        #expect(table.jobs.map(\.startDecision) == [.upToDate, .noHistory, .upToDate])
        #expect(table.nextWakeUp == T.instant("2026-01-10T12:15:00Z"))
        #expect(table.takeDue(at: T.instant("2026-01-10T12:15:00Z")) == ["vacuum"])
        #expect(table.nextWakeUp == T.instant("2026-01-10T18:15:00Z"))
        // The daemon slept through Saturday night: every overdue job runs once, in table order.
        #expect(table.takeDue(at: T.instant("2026-01-11T09:00:00Z")) == ["backup", "verify", "vacuum"])
        #expect(table["backup"]?.nextDue == T.instant("2026-01-12T02:00:00Z"))
        #expect(table["verify"]?.nextDue == T.instant("2026-01-18T04:30:00Z"))
        #expect(table["vacuum"]?.nextDue == T.instant("2026-01-11T12:15:00Z"))
        #expect(table["vacuum"]?.description == "vacuum: 15 */6 * * * (\(T.utc.identifier)), next 2026-01-11T12:15:00Z")
    }

    @Test func testAfterTheClockIsSetBack_rescheduleBringsTheNextRunForward() throws {
        var table = CronTable([try job("backup", "0 2 * * *", lastRun: "2026-01-10T02:00:00Z", now: "2026-01-10T10:00:00Z")])
        #expect(table.nextWakeUp == T.instant("2026-01-11T02:00:00Z"))
        table.reschedule(at: T.instant("2026-01-05T12:00:00Z"))
        #expect(table.nextWakeUp == T.instant("2026-01-06T02:00:00Z"))
    }

    @Test func testAJobThatNeverFires_isNeverDue_andAReloadReplacesItByName() throws {
        var table = CronTable([try job("backup", "0 0 31 2 *", lastRun: nil, now: "2026-01-10T10:00:00Z")])
        #expect(table.nextWakeUp == nil)
        #expect(table["backup"]?.description == "backup: 0 0 31 2 * (\(T.utc.identifier)), next never")
        #expect(table.takeDue(at: T.instant("2030-01-01T00:00:00Z")) == [])
        table.upsert(try job("backup", "0 3 * * *", lastRun: nil, now: "2026-01-10T10:00:00Z"))
        #expect(table.jobs.count == 1)
        #expect(table.nextWakeUp == T.instant("2026-01-11T03:00:00Z"))
    }
}
