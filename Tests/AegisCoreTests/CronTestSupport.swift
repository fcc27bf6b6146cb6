import Foundation
import Testing
import AegisCore

/// Helpers for the cron tests: instants written as RFC 3339 text, in UTC or with an offset, so
/// that tables read like the calendar.
enum CronTestSupport {
    /// `2026-03-29T03:00:00+02:00` or `2026-03-29T01:00:00Z` as an instant.
    static func instant(_ text: String) -> UTCTimestamp {
        if let utc = UTCTimestamp(rfc3339: text) { return utc }
        // Local time with a numeric offset: read the civil part as UTC, then subtract the offset.
        let civil = String(text.prefix(19)) + "Z"
        let offsetText = text.dropFirst(19)
        guard let local = UTCTimestamp(rfc3339: civil), offsetText.count == 6,
              let hours = Int(offsetText.dropFirst().prefix(2)), let minutes = Int(offsetText.suffix(2))
        else { preconditionFailure("bad instant in a test table: \(text)") }
        let sign: Int64 = offsetText.hasPrefix("-") ? -1 : 1
        return local.adding(seconds: -sign * Int64(hours * 3600 + minutes * 60))
    }

    /// The instant as local time with its offset in `zone`: `2026-03-29T03:00:00+02:00`.
    static func local(_ instant: UTCTimestamp, _ zone: TimeZone) -> String {
        let offset = zone.utcOffset(at: instant)
        let civil = instant.adding(seconds: Int64(offset)).description.dropLast()
        let magnitude = abs(offset) / 60
        let sign = offset < 0 ? "-" : "+"
        return civil + sign + pad(magnitude / 60) + ":" + pad(magnitude % 60)
    }

    static func zone(_ identifier: String) -> TimeZone {
        guard let zone = TimeZone(identifier: identifier) else {
            preconditionFailure("time zone \(identifier) is not known to Foundation here")
        }
        return zone
    }

    static let utc = zone("UTC")

    /// The first `count` fire times after `start`, as local text in `zone`.
    static func fires(_ expression: String, after start: String, in zone: TimeZone, count: Int) throws -> [String] {
        let cron = try CronExpression(expression)
        return cron.fireTimes(after: instant(start), in: zone).prefix(count).map { local($0, zone) }
    }

    private static func pad(_ value: Int) -> String {
        value < 10 ? "0\(value)" : "\(value)"
    }
}
