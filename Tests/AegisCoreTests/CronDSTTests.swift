import Foundation
import Testing
import AegisCore

/// The DST semantics documented on `CronExpression`: fixed-time jobs fire once per matching
/// wall-clock time (a skipped time at the end of the gap, a repeated time at its first
/// occurrence); interval jobs (minute or hour begins with `*`) fire at every clock reading that
/// occurs. Europe/Berlin in 2026: 02:00 CET → 03:00 CEST on March 29, 03:00 CEST → 02:00 CET on
/// October 25. America/New_York: 02:00 EST → 03:00 EDT on March 8, 02:00 EDT → 01:00 EST on
/// November 1.
@Suite struct CronDSTTests {
    typealias T = CronTestSupport

    @Test(arguments: [
        // Spring forward, a daily job inside the gap: once, at the end of the gap.
        ("30 2 * * *", "2026-03-28T12:00:00+01:00",
         ["2026-03-29T03:00:00+02:00", "2026-03-30T02:30:00+02:00", "2026-03-31T02:30:00+02:00"]),
        ("0 2 * * *", "2026-03-28T12:00:00+01:00", ["2026-03-29T03:00:00+02:00", "2026-03-30T02:00:00+02:00"]),
        // Two times in the gap, or one in the gap and one at its end, are one firing.
        ("0,30 2 * * *", "2026-03-28T12:00:00+01:00",
         ["2026-03-29T03:00:00+02:00", "2026-03-30T02:00:00+02:00", "2026-03-30T02:30:00+02:00"]),
        ("0 2,3 * * *", "2026-03-28T12:00:00+01:00",
         ["2026-03-29T03:00:00+02:00", "2026-03-30T02:00:00+02:00", "2026-03-30T03:00:00+02:00"]),
        ("30 2,3 * * *", "2026-03-28T12:00:00+01:00",
         ["2026-03-29T03:00:00+02:00", "2026-03-29T03:30:00+02:00", "2026-03-30T02:30:00+02:00"]),
        // Times outside the gap are untouched.
        ("0 1 * * *", "2026-03-28T12:00:00+01:00", ["2026-03-29T01:00:00+01:00", "2026-03-30T01:00:00+02:00"]),
        ("0 3 * * *", "2026-03-28T12:00:00+01:00", ["2026-03-29T03:00:00+02:00", "2026-03-30T03:00:00+02:00"]),
        // Fall back, a daily job inside the overlap: once, at the first occurrence.
        ("30 2 * * *", "2026-10-24T12:00:00+02:00", ["2026-10-25T02:30:00+02:00", "2026-10-26T02:30:00+01:00"]),
        ("0 2 * * *", "2026-10-24T12:00:00+02:00", ["2026-10-25T02:00:00+02:00", "2026-10-26T02:00:00+01:00"]),
        // ...also when asked from inside the overlap, on either pass.
        ("30 2 * * *", "2026-10-25T02:40:00+02:00", ["2026-10-26T02:30:00+01:00"]),
        ("30 2 * * *", "2026-10-25T02:10:00+01:00", ["2026-10-26T02:30:00+01:00"]),
        // A fixed hour list is fixed-time too: the gap's 02:00 merges into 03:00, the repeated
        // 02:00 is not run again.
        ("0 1-23 * * *", "2026-03-29T00:30:00+01:00",
         ["2026-03-29T01:00:00+01:00", "2026-03-29T03:00:00+02:00", "2026-03-29T04:00:00+02:00"]),
        ("0 1-23 * * *", "2026-10-25T01:30:00+02:00",
         ["2026-10-25T02:00:00+02:00", "2026-10-25T03:00:00+01:00", "2026-10-25T04:00:00+01:00"]),
        // Hourly jobs keep firing every real hour.
        ("0 * * * *", "2026-03-29T00:30:00+01:00",
         ["2026-03-29T01:00:00+01:00", "2026-03-29T03:00:00+02:00", "2026-03-29T04:00:00+02:00"]),
        ("30 * * * *", "2026-03-29T00:00:00+01:00",
         ["2026-03-29T00:30:00+01:00", "2026-03-29T01:30:00+01:00", "2026-03-29T03:30:00+02:00", "2026-03-29T04:30:00+02:00"]),
        ("*/30 * * * *", "2026-03-29T01:00:00+01:00",
         ["2026-03-29T01:30:00+01:00", "2026-03-29T03:00:00+02:00", "2026-03-29T03:30:00+02:00"]),
        ("30 * * * *", "2026-10-25T01:00:00+02:00",
         ["2026-10-25T01:30:00+02:00", "2026-10-25T02:30:00+02:00", "2026-10-25T02:30:00+01:00", "2026-10-25T03:30:00+01:00"]),
        ("@hourly", "2026-10-25T01:30:00+02:00",
         ["2026-10-25T02:00:00+02:00", "2026-10-25T02:00:00+01:00", "2026-10-25T03:00:00+01:00"]),
        // An interval job restricted to the 2 o'clock hour: no 2 o'clock on the spring day,
        // two of them on the autumn day.
        ("*/20 2 * * *", "2026-03-29T00:00:00+01:00",
         ["2026-03-30T02:00:00+02:00", "2026-03-30T02:20:00+02:00", "2026-03-30T02:40:00+02:00"]),
        ("*/20 2 * * *", "2026-10-25T00:00:00+02:00",
         ["2026-10-25T02:00:00+02:00", "2026-10-25T02:20:00+02:00", "2026-10-25T02:40:00+02:00",
          "2026-10-25T02:00:00+01:00", "2026-10-25T02:20:00+01:00", "2026-10-25T02:40:00+01:00", "2026-10-26T02:00:00+01:00"]),
    ])
    func testEuropeBerlin(expression: String, after: String, expected: [String]) throws {
        #expect(try T.fires(expression, after: after, in: T.zone("Europe/Berlin"), count: expected.count) == expected)
    }

    @Test(arguments: [
        ("15 2 * * *", "2026-03-07T12:00:00-05:00", ["2026-03-08T03:00:00-04:00", "2026-03-09T02:15:00-04:00"]),
        ("0 2 * * *", "2026-03-07T12:00:00-05:00", ["2026-03-08T03:00:00-04:00", "2026-03-09T02:00:00-04:00"]),
        ("30 1 * * *", "2026-10-31T12:00:00-04:00", ["2026-11-01T01:30:00-04:00", "2026-11-02T01:30:00-05:00"]),
        ("30 1 * * *", "2026-11-01T01:45:00-05:00", ["2026-11-02T01:30:00-05:00"]),
        ("30 * * * *", "2026-03-08T00:00:00-05:00",
         ["2026-03-08T00:30:00-05:00", "2026-03-08T01:30:00-05:00", "2026-03-08T03:30:00-04:00"]),
        ("30 * * * *", "2026-11-01T00:00:00-04:00",
         ["2026-11-01T00:30:00-04:00", "2026-11-01T01:30:00-04:00", "2026-11-01T01:30:00-05:00", "2026-11-01T02:30:00-05:00"]),
        ("@daily", "2026-03-07T12:00:00-05:00", ["2026-03-08T00:00:00-05:00", "2026-03-09T00:00:00-04:00"]),
    ])
    func testAmericaNewYork(expression: String, after: String, expected: [String]) throws {
        #expect(try T.fires(expression, after: after, in: T.zone("America/New_York"), count: expected.count) == expected)
    }

    @Test(arguments: [
        // Lord Howe Island moves by 30 minutes: 02:00 → 02:30 on October 4, 2026, and
        // 02:00 → 01:30 on April 5, 2026.
        ("Australia/Lord_Howe", "15 2 * * *", "2026-10-03T12:00:00+10:30",
         ["2026-10-04T02:30:00+11:00", "2026-10-05T02:15:00+11:00"]),
        ("Australia/Lord_Howe", "45 1 * * *", "2026-04-04T12:00:00+11:00",
         ["2026-04-05T01:45:00+11:00", "2026-04-06T01:45:00+10:30"]),
        ("Australia/Lord_Howe", "*/15 * * * *", "2026-04-05T01:30:00+11:00",
         ["2026-04-05T01:45:00+11:00", "2026-04-05T01:30:00+10:30", "2026-04-05T01:45:00+10:30", "2026-04-05T02:00:00+10:30"]),
        // Samoa skipped December 30, 2011 entirely, moving from UTC-10 to UTC+14.
        ("Pacific/Apia", "0 12 * * *", "2011-12-29T13:00:00-10:00",
         ["2011-12-31T00:00:00+14:00", "2011-12-31T12:00:00+14:00"]),
        ("Pacific/Apia", "0 0 30 12 *", "2011-06-01T00:00:00-10:00",
         ["2011-12-31T00:00:00+14:00", "2012-12-30T00:00:00+14:00"]),
        ("Pacific/Apia", "0 * * * *", "2011-12-29T22:30:00-10:00",
         ["2011-12-29T23:00:00-10:00", "2011-12-31T00:00:00+14:00", "2011-12-31T01:00:00+14:00"]),
    ])
    func testUnusualZones(zone: String, expression: String, after: String, expected: [String]) throws {
        #expect(try T.fires(expression, after: after, in: T.zone(zone), count: expected.count) == expected)
    }

    @Test(arguments: ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe"])
    func testOverAWholeYear_aDailyJobFiresOncePerDate_andAnHourlyJobEveryRealHour(zone: String) throws {
        let tz = T.zone(zone)
        let start = T.instant("2026-01-01T00:00:00Z")
        for daily in ["30 2 * * *", "0 2 * * *", "45 1 * * *", "0 0 * * *"] {
            let fires = Array(try CronExpression(daily).fireTimes(after: start, in: tz).prefix(365))
            let dates = fires.map { T.local($0, tz).prefix(10) }
            #expect(Set(dates).count == 365, "\(daily) in \(zone): a date fired twice")
            #expect(zip(fires, fires.dropFirst()).allSatisfy { $0 < $1 })
        }
        for hourly in ["0 * * * *", "17 * * * *"] {
            let fires = Array(try CronExpression(hourly).fireTimes(after: start, in: tz).prefix(24 * 365))
            let gaps = Set(zip(fires, fires.dropFirst()).map { $1.secondsSinceEpoch - $0.secondsSinceEpoch })
            // Lord Howe moves by half an hour, so twice a year the next :00 or :17 reading comes
            // 90 minutes after the last one; whole-hour zones keep exactly one real hour.
            #expect(gaps == (zone == "Australia/Lord_Howe" ? [3600, 5400] : [3600]), "\(hourly) in \(zone)")
        }
    }
}
