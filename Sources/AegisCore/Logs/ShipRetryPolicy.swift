/// What to do after a push to Loki, as Promtail does it, minus Promtail's final give-up:
/// retry 429, 5xx and network errors with exponential backoff and jitter up to a cap, for as
/// long as it takes (the spool bounds what waits meanwhile); drop any other 4xx at once and
/// count it, because Loki will refuse the same body forever (the Fluent Bit failure). A 401 or
/// 403 is a configuration problem, not the batch's: retried with the same backoff until the
/// operator fixes the credentials, never dropped.
public struct ShipRetryPolicy: Sendable, Equatable {
    /// How a push ended.
    public enum Outcome: Sendable, Equatable {
        case status(Int)
        /// No HTTP answer: refused, reset, timed out.
        case networkError
    }

    /// The decision: plain data, carried out by the shipper.
    public enum Decision: Sendable, Equatable {
        case delivered
        /// Try the same batch again after the delay.
        case retry(afterNs: Int64)
        /// Loki refused the batch for good; drop it and count its entries.
        case drop
        /// Loki (or the proxy in front of it) refused the credentials (401, 403): keep the batch
        /// and try again after the delay; the operator has to fix the tenant or credentials.
        case credentialsRefused(retryAfterNs: Int64)
    }

    public var backoff = ExponentialBackoff(initialDelayNs: 500_000_000, maxDelayNs: 300_000_000_000, jitter: 0.25)

    public init() {}

    /// The decision after the `attempt`th (1-based) try ended with `outcome`.
    /// - Parameter random: a value in [0, 1), injected so that tests are exact.
    public func decide(_ outcome: Outcome, attempt: Int, random: Double) -> Decision {
        switch outcome {
        case .status(let code) where (200..<300).contains(code):
            return .delivered
        case .status(let code) where code == 401 || code == 403:
            return .credentialsRefused(retryAfterNs: delay(attempt: attempt, random: random))
        case .status(let code) where code == 429 || code >= 500:
            return .retry(afterNs: delay(attempt: attempt, random: random))
        case .networkError:
            return .retry(afterNs: delay(attempt: attempt, random: random))
        case .status:
            return .drop
        }
    }

    public func delay(attempt: Int, random: Double) -> Int64 {
        backoff.delay(attempt: attempt, random: random)
    }
}
