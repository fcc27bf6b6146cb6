/// When to try an off-host upload again. A failed upload never touches the local backup; it is
/// retried with exponential backoff and jitter up to a cap, for as long as it takes (a store
/// down for a weekend must not lose the weekend's copies). Credentials refused are retried the
/// same way: the operator fixes `rclone_config` and the next try succeeds without a restart.
/// The first delay and the cap are `[offsite] retry_initial_s` and `retry_max_s`.
public struct OffsiteRetryPolicy: Sendable, Equatable {
    /// How one attempt ended.
    public enum Outcome: Sendable, Equatable {
        case uploaded
        /// rclone failed, timed out, or the store's size or hash differed.
        case failed
        /// The local file is gone (retention or an operator removed it): nothing left to upload.
        case localFileGone
    }

    public enum Decision: Sendable, Equatable {
        case done
        case retry(afterNs: Int64)
        /// Stop trying this backup.
        case abandon
    }

    public var backoff: ExponentialBackoff

    /// The policy of `settings` (`retry_initial_s`, `retry_max_s`); the defaults are 5 s and 15 min.
    public init(_ settings: OffsiteSettings = OffsiteSettings()) {
        backoff = ExponentialBackoff(
            initialDelayNs: Int64(settings.retryInitialS) * 1_000_000_000, maxDelayNs: Int64(settings.retryMaxS) * 1_000_000_000,
            jitter: 0.2)
    }

    /// The decision after the `attempt`th (1-based) try of one backup ended with `outcome`.
    /// - Parameter random: a value in [0, 1), injected so that tests are exact.
    public func decide(_ outcome: Outcome, attempt: Int, random: Double) -> Decision {
        switch outcome {
        case .uploaded: .done
        case .localFileGone: .abandon
        case .failed: .retry(afterNs: delay(attempt: attempt, random: random))
        }
    }

    public func delay(attempt: Int, random: Double) -> Int64 {
        backoff.delay(attempt: attempt, random: random)
    }
}
