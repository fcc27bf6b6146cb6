import Foundation
import Testing

@testable import AegisCore

/// "A backup older than twice its schedule is a warning", at fixed clock times.
@Suite struct BackupFreshnessTests {
    let daily = try! CronExpression("0 2 * * *")
    let utc = TimeZone(identifier: "UTC")!
    let lastBackup = UTCTimestamp(year: 2026, month: 11, day: 20, hour: 2)

    @Test(arguments: [
        (47, false), (48, false), (49, true), (200, true),
    ])
    func testDaily_isStaleAfter48Hours(hoursLater: Int, stale: Bool) {
        let now = lastBackup.adding(seconds: Int64(hoursLater) * 3600)
        #expect(BackupFreshness.isStale(newest: lastBackup, since: lastBackup, expression: daily, in: utc, now: now) == stale)
    }

    @Test func testWeekly_allowsTwoWeeks() throws {
        let weekly = try CronExpression("@weekly")
        let now = lastBackup.adding(seconds: 13 * 86_400)
        #expect(!BackupFreshness.isStale(newest: lastBackup, since: lastBackup, expression: weekly, in: utc, now: now))
        #expect(BackupFreshness.isStale(newest: lastBackup, since: lastBackup, expression: weekly, in: utc, now: now.adding(seconds: 3 * 86_400)))
    }

    @Test func testNoBackupYet_isStaleOnlyOnceTheFirstScheduledRunHasPassed() {
        let started = UTCTimestamp(year: 2026, month: 11, day: 28, hour: 1)
        #expect(!BackupFreshness.isStale(newest: nil, since: started, expression: daily, in: utc, now: started.adding(seconds: 3000)))
        #expect(BackupFreshness.isStale(newest: nil, since: started, expression: daily, in: utc, now: started.adding(seconds: 3700)))
    }

    @Test func testStatusWarning_namesAFailureNewerThanTheLastSuccess() {
        var status = BackupStatus(
            service: "redis", lastSuccessAt: lastBackup, lastFailureAt: lastBackup.adding(seconds: 60),
            lastFailureReason: "disk full")
        #expect(status.warning == "redis: last backup failed: disk full")
        status.lastFailureAt = lastBackup.adding(seconds: -60)
        #expect(status.warning == nil)
    }
}
