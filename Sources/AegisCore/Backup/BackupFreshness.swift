/// Whether a service's newest backup is too old: older than twice the schedule's period, where
/// the period is the gap between the two fire times that follow it (so `0 2 * * *` allows 48 h,
/// and a weekly schedule two weeks). A service that never had a backup is stale as soon as the
/// first scheduled run has passed.
public enum BackupFreshness {
    public static func isStale(
        newest: UTCTimestamp?, since start: UTCTimestamp, expression: CronExpression, in zone: some TimeZoneRules,
        now: UTCTimestamp
    ) -> Bool {
        guard let newest else {
            guard let first = expression.nextFire(after: start, in: zone) else { return false }
            return now > first
        }
        guard let next = expression.nextFire(after: newest, in: zone),
              let following = expression.nextFire(after: next, in: zone)
        else { return false }
        let period = following.secondsSinceEpoch - next.secondsSinceEpoch
        return now.secondsSinceEpoch - newest.secondsSinceEpoch > 2 * period
    }

    /// The schedule's period as seen from `instant`: the gap between the next two fire times
    /// (what `isStale` doubles, and what alert rules compare a backup's age with).
    public static func period(
        of expression: CronExpression, after instant: UTCTimestamp, in zone: some TimeZoneRules
    ) -> Int64? {
        guard let next = expression.nextFire(after: instant, in: zone),
              let following = expression.nextFire(after: next, in: zone)
        else { return nil }
        return following.secondsSinceEpoch - next.secondsSinceEpoch
    }
}
