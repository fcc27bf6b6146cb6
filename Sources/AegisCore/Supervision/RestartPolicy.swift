/// When to restart a service that failed, and when to give up: exponential backoff with full
/// jitter, reset after a stable run, and a circuit breaker on too many failures in a window
/// (s6's "max death tally"). A value, so tests read it as a table.
public struct RestartPolicy: Sendable, Equatable {
    public var initialDelay: Duration
    public var maxDelay: Duration
    /// A run at least this long resets the backoff to its start.
    public var stableAfter: Duration
    /// This many failures within `window` open the breaker: the service becomes `failed`.
    public var maxFailures: Int
    public var window: Duration

    public init(
        initialDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(60),
        stableAfter: Duration = .seconds(60), maxFailures: Int = 5, window: Duration = .seconds(300)
    ) {
        precondition(maxFailures >= 1 && initialDelay >= .zero && maxDelay >= initialDelay)
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
        self.stableAfter = stableAfter
        self.maxFailures = maxFailures
        self.window = window
    }

    public init(_ settings: SupervisionSettings) {
        self.init(
            initialDelay: .milliseconds(settings.restartInitialDelayMs),
            maxDelay: .milliseconds(settings.restartMaxDelayMs),
            stableAfter: .seconds(settings.restartStableAfterS),
            maxFailures: settings.restartMaxFailures,
            window: .seconds(settings.restartWindowS)
        )
    }

    /// The upper bound of the delay before restart number `attempt` (1-based) of a streak:
    /// the first restart is immediate, then `initialDelay` doubling up to `maxDelay`.
    public func delayCap(attempt: Int) -> Duration {
        guard attempt > 1 else { return .zero }
        var cap = initialDelay
        for _ in 2..<attempt where cap < maxDelay {
            cap = cap * 2
        }
        return min(cap, maxDelay)
    }
}

/// What to do after a failure.
public enum RestartDecision: Sendable, Equatable {
    case restart(after: Duration)
    case giveUp(reason: String)
}

/// The failure history one service needs for `RestartPolicy` decisions.
public struct RestartTracker: Sendable, Equatable {
    public let policy: RestartPolicy
    /// Failures inside the breaker's window, oldest first.
    private(set) var recentFailures: [ContinuousClock.Instant] = []
    /// Failures since the last stable run: the backoff exponent.
    private(set) var streak = 0

    public init(policy: RestartPolicy) {
        self.policy = policy
    }

    /// Records a failure of a run that began at `startedAt` (nil if it never started) and decides.
    /// `jitter` in [0, 1) picks the delay inside the cap ("full jitter"); callers pass a random
    /// number, tests pass fixed ones.
    public mutating func recordFailure(
        at now: ContinuousClock.Instant, runStartedAt startedAt: ContinuousClock.Instant?, jitter: Double
    ) -> RestartDecision {
        precondition(jitter >= 0 && jitter < 1)
        if let startedAt, now - startedAt >= policy.stableAfter {
            streak = 0
        }
        streak += 1
        recentFailures.removeAll { now - $0 >= policy.window }
        recentFailures.append(now)
        if recentFailures.count >= policy.maxFailures {
            return .giveUp(
                reason: "\(recentFailures.count) failures within \(policy.window.formattedSeconds)")
        }
        let cap = policy.delayCap(attempt: streak)
        return .restart(after: cap * jitter)
    }

    /// An operator's start or restart closes the breaker and forgets the history.
    public mutating func reset() {
        recentFailures = []
        streak = 0
    }
}

extension Duration {
    /// "1.5s", for messages.
    public var formattedSeconds: String {
        let (seconds, attoseconds) = components
        let millis = Int64(seconds) * 1000 + attoseconds / 1_000_000_000_000_000
        if millis % 1000 == 0 { return "\(millis / 1000)s" }
        let tenths = (millis + 50) / 100
        return "\(tenths / 10).\(tenths % 10)s"
    }

    /// Seconds as a Double, for JSON.
    public var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }
}
