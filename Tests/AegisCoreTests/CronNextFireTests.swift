import Foundation
import Testing
import AegisCore

@Suite struct CronNextFireTests {
    typealias T = CronTestSupport

    @Test(arguments: [
        // The default backup schedule, from before, exactly at and just after a fire time.
        ("0 2 * * *", "2026-01-10T01:59:59Z", ["2026-01-10T02:00:00+00:00", "2026-01-11T02:00:00+00:00"]),
        ("0 2 * * *", "2026-01-10T02:00:00Z", ["2026-01-11T02:00:00+00:00", "2026-01-12T02:00:00+00:00"]),
        ("0 2 * * *", "2026-01-10T02:00:01Z", ["2026-01-11T02:00:00+00:00"]),
        ("* * * * *", "2026-01-10T10:00:59Z", ["2026-01-10T10:01:00+00:00", "2026-01-10T10:02:00+00:00"]),
        // Steps.
        ("*/15 * * * *", "2026-01-10T10:07:30Z",
         ["2026-01-10T10:15:00+00:00", "2026-01-10T10:30:00+00:00", "2026-01-10T10:45:00+00:00", "2026-01-10T11:00:00+00:00"]),
        ("5/20 */6 * * *", "2026-01-10T06:45:00Z",
         ["2026-01-10T12:05:00+00:00", "2026-01-10T12:25:00+00:00", "2026-01-10T12:45:00+00:00", "2026-01-10T18:05:00+00:00"]),
        ("0 12 * 2/3 *", "2026-03-01T00:00:00Z", ["2026-05-01T12:00:00+00:00"]),
        // February 29: every four years, and not in 2100.
        ("0 0 29 2 *", "2024-03-01T00:00:00Z",
         ["2028-02-29T00:00:00+00:00", "2032-02-29T00:00:00+00:00", "2036-02-29T00:00:00+00:00"]),
        ("0 0 29 2 *", "2096-03-01T00:00:00Z", ["2104-02-29T00:00:00+00:00"]),
        // The 31st skips the short months.
        ("0 0 31 * *", "2026-01-31T00:00:00Z",
         ["2026-03-31T00:00:00+00:00", "2026-05-31T00:00:00+00:00", "2026-07-31T00:00:00+00:00", "2026-08-31T00:00:00+00:00"]),
        // The OR rule: both day fields restricted, either matches (June 1, 2026 is a Monday).
        ("0 0 1,15 * MON", "2026-06-01T00:00:00Z",
         ["2026-06-08T00:00:00+00:00", "2026-06-15T00:00:00+00:00", "2026-06-22T00:00:00+00:00",
          "2026-06-29T00:00:00+00:00", "2026-07-01T00:00:00+00:00", "2026-07-06T00:00:00+00:00"]),
        ("0 0 13 * 5", "2026-02-01T00:00:00Z",
         ["2026-02-06T00:00:00+00:00", "2026-02-13T00:00:00+00:00", "2026-02-20T00:00:00+00:00", "2026-02-27T00:00:00+00:00",
          "2026-03-06T00:00:00+00:00", "2026-03-13T00:00:00+00:00"]),
        // ...but a day-of-month that begins with `*` is ANDed: odd days that are Mondays.
        ("0 0 */2 * MON", "2026-06-01T00:00:00Z",
         ["2026-06-15T00:00:00+00:00", "2026-06-29T00:00:00+00:00", "2026-07-13T00:00:00+00:00", "2026-07-27T00:00:00+00:00"]),
        // With day-of-month `*` only the weekday counts; Sunday is 0, 7 and SUN.
        ("0 9 * * 7", "2026-06-01T00:00:00Z", ["2026-06-07T09:00:00+00:00", "2026-06-14T09:00:00+00:00"]),
        ("0 9 * * sun", "2026-06-01T00:00:00Z", ["2026-06-07T09:00:00+00:00"]),
        // Month and day names, ranges of names.
        ("30 8 * JAN,jul Mon-Fri", "2026-01-30T09:00:00Z",
         ["2026-07-01T08:30:00+00:00", "2026-07-02T08:30:00+00:00", "2026-07-03T08:30:00+00:00", "2026-07-06T08:30:00+00:00"]),
        ("0 0 * * FRI-SUN", "2026-06-01T00:00:00Z",
         ["2026-06-05T00:00:00+00:00", "2026-06-06T00:00:00+00:00", "2026-06-07T00:00:00+00:00", "2026-06-12T00:00:00+00:00"]),
        // Macros.
        ("@weekly", "2026-06-03T12:00:00Z", ["2026-06-07T00:00:00+00:00", "2026-06-14T00:00:00+00:00"]),
        ("@monthly", "2026-06-03T12:00:00Z", ["2026-07-01T00:00:00+00:00", "2026-08-01T00:00:00+00:00"]),
        ("@yearly", "2026-06-03T12:00:00Z", ["2027-01-01T00:00:00+00:00", "2028-01-01T00:00:00+00:00"]),
        ("@hourly", "2026-06-03T12:00:00Z", ["2026-06-03T13:00:00+00:00", "2026-06-03T14:00:00+00:00"]),
        ("@daily", "2026-12-31T23:59:59Z", ["2027-01-01T00:00:00+00:00"]),
        // The last minute of a year, and before 1970.
        ("59 23 31 12 *", "2026-01-01T00:00:00Z", ["2026-12-31T23:59:00+00:00", "2027-12-31T23:59:00+00:00"]),
        ("0 0 1 1 *", "1969-06-01T00:00:00Z", ["1970-01-01T00:00:00+00:00"]),
    ])
    func testNextFireTimes_inUTC(expression: String, after: String, expected: [String]) throws {
        #expect(try T.fires(expression, after: after, in: T.utc, count: expected.count) == expected)
    }

    @Test(arguments: ["0 0 31 2 *", "0 0 30 2 *", "0 0 31 4,6,9,11 *", "0 0 30,31 feb */2"])
    func testImpossibleDates_neverFire_andTheSearchEnds(expression: String) throws {
        let cron = try CronExpression(expression)
        #expect(cron.neverFires)
        #expect(cron.nextFire(after: T.instant("2026-01-01T00:00:00Z"), in: T.utc) == nil)
        #expect(cron.nextFire(after: T.instant("2026-01-01T00:00:00Z"), in: T.zone("Europe/Berlin")) == nil)
        #expect(Array(cron.fireTimes(after: T.instant("2026-01-01T00:00:00Z"), in: T.utc)).isEmpty)
    }

    @Test func testTheThirtyFirstOfFebruary_withAWeekday_firesOnTheWeekday() throws {
        // Both day fields restricted: ORed, so the weekday alone makes the expression possible.
        let cron = try CronExpression("0 0 31 2 MON")
        #expect(!cron.neverFires)
        #expect(cron.nextFire(after: T.instant("2026-01-01T00:00:00Z"), in: T.utc) == T.instant("2026-02-02T00:00:00Z"))
    }

    @Test func testAFixedOffsetZone_shiftsEveryFireTime() throws {
        // Asia/Kathmandu is UTC+05:45 all year.
        let zone = T.zone("Asia/Kathmandu")
        #expect(try T.fires("0 2 * * *", after: "2026-01-10T00:00:00Z", in: zone, count: 2)
            == ["2026-01-11T02:00:00+05:45", "2026-01-12T02:00:00+05:45"])
        let cron = try CronExpression("0 2 * * *")
        #expect(cron.nextFire(after: T.instant("2026-01-10T00:00:00Z"), in: zone) == T.instant("2026-01-10T20:15:00Z"))
    }

    @Test func testLatestFire_findsTheMostRecentOccurrence_inTheHalfOpenRange() throws {
        let daily = try CronExpression("0 2 * * *")
        let now = T.instant("2026-01-10T10:00:00Z")
        #expect(daily.latestFire(after: T.instant("2026-01-01T00:00:00Z"), atOrBefore: now, in: T.utc)
            == T.instant("2026-01-10T02:00:00Z"))
        #expect(daily.latestFire(after: T.instant("2026-01-10T02:00:00Z"), atOrBefore: now, in: T.utc) == nil)
        #expect(daily.latestFire(after: T.instant("2026-01-09T02:00:00Z"), atOrBefore: T.instant("2026-01-10T02:00:00Z"), in: T.utc)
            == T.instant("2026-01-10T02:00:00Z"))
        // Every minute, a year back: found at once, not by walking half a million minutes.
        let everyMinute = try CronExpression("* * * * *")
        #expect(everyMinute.latestFire(after: T.instant("2025-01-10T10:00:00Z"), atOrBefore: T.instant("2026-01-10T10:00:30Z"), in: T.utc)
            == T.instant("2026-01-10T10:00:00Z"))
        #expect(try CronExpression("0 0 31 2 *").latestFire(after: T.instant("1990-01-01T00:00:00Z"), atOrBefore: now, in: T.utc) == nil)
    }

    @Test func testSparseSchedules_areFoundBySkippingFields_notMinutes() throws {
        // A leap day from the worst starting point, two hundred times in a row: with minute
        // stepping this would be hundreds of millions of steps. No timing assertion, only that
        // the sequence is right and ends.
        let cron = try CronExpression("0 0 29 2 *")
        let fires = Array(cron.fireTimes(after: T.instant("2001-03-01T00:00:00Z"), in: T.zone("Europe/Berlin")).prefix(200))
        #expect(fires.count == 200)
        #expect(fires.allSatisfy { T.local($0, T.zone("Europe/Berlin")).contains("-02-29T00:00:00") })
        #expect(T.local(fires[199], T.zone("Europe/Berlin")) == "2824-02-29T00:00:00+01:00")
    }
}
