import Foundation

/// Bridges to Foundation's `Date`, for the daemon that reads the clock and for `TimeZone`.
extension UTCTimestamp {
    /// The whole second at or before `date`; cron fires on whole minutes, so nothing is lost.
    public init(flooring date: Date) {
        self.init(secondsSinceEpoch: Int64(date.timeIntervalSince1970.rounded(.down)))
    }

    /// The same instant as a Foundation `Date`.
    public var date: Date {
        Date(timeIntervalSince1970: TimeInterval(secondsSinceEpoch))
    }
}
