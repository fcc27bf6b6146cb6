/// Delays that double from one try to the next up to a cap, each shortened by a random part of
/// itself so that many clients failing together do not retry in step. Shared by the retries of
/// Loki pushes and off-host uploads.
public struct ExponentialBackoff: Sendable, Equatable {
    public var initialDelayNs: Int64
    public var maxDelayNs: Int64
    /// Each delay is drawn from [delay × (1 − jitter), delay].
    public var jitter: Double

    public init(initialDelayNs: Int64, maxDelayNs: Int64, jitter: Double) {
        self.initialDelayNs = initialDelayNs
        self.maxDelayNs = maxDelayNs
        self.jitter = jitter
    }

    /// initial × 2^(attempt−1), capped, less up to `jitter` of it.
    /// - Parameter random: a value in [0, 1), injected so that tests are exact.
    public func delay(attempt: Int, random: Double) -> Int64 {
        let exponent = min(max(attempt - 1, 0), 40)
        let base = Double(initialDelayNs) * Double(Int64(1) << exponent)
        let capped = min(base, Double(maxDelayNs))
        return Int64(capped * (1 - jitter * min(max(random, 0), 1)))
    }
}
