/// When health checks fall due: at whole multiples of the interval from one instant shared by
/// every service, so the checks of all services come due together and an idle daemon wakes
/// once per interval for all of them rather than once per service, at scattered moments.
/// Every service is still checked once per interval, at a fixed rate: a check that ends late
/// is followed by the next one on the grid, not by one an interval after it ended.
public struct HealthCadence: Sendable, Equatable {
    public let epoch: ContinuousClock.Instant
    public let interval: Duration

    public init(epoch: ContinuousClock.Instant, interval: Duration) {
        precondition(interval > .zero, "a health interval must be positive")
        self.epoch = epoch
        self.interval = interval
    }

    /// The first instant on the grid strictly after `now` (the epoch itself when `now` is
    /// before it).
    public func next(after now: ContinuousClock.Instant) -> ContinuousClock.Instant {
        guard now >= epoch else { return epoch }
        let elapsed = now - epoch
        let periods = Self.wholePeriods(elapsed, of: interval) + 1
        return epoch + interval * periods
    }

    /// How many whole intervals `elapsed` holds, in integer arithmetic (attoseconds), so that
    /// instants far from the epoch land exactly on the grid.
    private static func wholePeriods(_ elapsed: Duration, of interval: Duration) -> Int64 {
        let (eSeconds, eAttos) = elapsed.components
        let (iSeconds, iAttos) = interval.components
        let elapsedAttos = Int128(eSeconds) * 1_000_000_000_000_000_000 + Int128(eAttos)
        let intervalAttos = Int128(iSeconds) * 1_000_000_000_000_000_000 + Int128(iAttos)
        return Int64(elapsedAttos / intervalAttos)
    }
}
