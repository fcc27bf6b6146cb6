/// What to do at daemon start about a scheduled run that was missed while aegisd was down.
///
/// The rule: only the most recent missed occurrence counts, and it runs once, now — never a
/// burst of every occurrence missed during a week of downtime. It is skipped when it is more
/// than `maxLateness` old. The default is 24 hours: a daily backup missed overnight still runs
/// when the host comes back in the morning, because a late backup beats a missing one; a weekly
/// restore drill or maintenance job missed days ago waits for its next slot instead of starting
/// at a surprising time. With no recorded run there is no history to have missed, so nothing
/// runs early and the job starts at its next scheduled time (a fresh install does not back up
/// half-initialized databases the moment it starts).
public struct CatchUpPolicy: Sendable, Equatable {
    /// A missed occurrence older than this at daemon start is skipped; nil catches up the most
    /// recent missed occurrence however old it is (systemd's `Persistent=true`).
    public var maxLateness: Duration?

    public init(maxLateness: Duration? = .seconds(24 * 3600)) {
        precondition(maxLateness.map { $0 >= .zero } ?? true)
        self.maxLateness = maxLateness
    }

    /// Catch up what was missed within 24 hours.
    public static let `default` = CatchUpPolicy()
    /// Never run early: a missed run is simply skipped (plain cron).
    public static let never = CatchUpPolicy(maxLateness: .zero)
    /// Always run the most recent missed occurrence once.
    public static let always = CatchUpPolicy(maxLateness: nil)

    /// Decides for a job whose last recorded run began at `lastRun`, at daemon start `now`.
    /// An occurrence at exactly `now` counts as missed with no lateness: it is simply due.
    public func decide(
        lastRun: UTCTimestamp?, expression: CronExpression, in zone: some TimeZoneRules, now: UTCTimestamp
    ) -> CatchUpDecision {
        guard let lastRun else { return .noHistory }
        guard let missed = expression.latestFire(after: lastRun, atOrBefore: now, in: zone) else {
            return .upToDate
        }
        let lateness = Duration.seconds(now.secondsSinceEpoch - missed.secondsSinceEpoch)
        if let maxLateness, lateness > maxLateness {
            return .tooLate(missed: missed, lateness: lateness)
        }
        return .runNow(missed: missed)
    }
}

/// The outcome of `CatchUpPolicy.decide`, worth a log line in every case but `upToDate`.
public enum CatchUpDecision: Sendable, Equatable {
    /// Nothing was scheduled between the last run and now.
    case upToDate
    /// Run once now for the occurrence at `missed` (the most recent one missed).
    case runNow(missed: UTCTimestamp)
    /// The most recent missed occurrence is older than the policy allows: wait for the next.
    case tooLate(missed: UTCTimestamp, lateness: Duration)
    /// No run was ever recorded: wait for the next scheduled time.
    case noHistory
}
