/// A Prometheus histogram of durations with fixed buckets: cumulative counts per upper bound,
/// the sum and the count. A value type the supervisor updates and the mapping writes out.
public struct DurationHistogram: Sendable, Equatable {
    /// Upper bounds in seconds, for health checks: loopback answers take milliseconds, a
    /// deadline is a few hundred milliseconds to seconds.
    public static let healthCheckBounds: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]

    public let bounds: [Double]
    /// Observations at or below each bound (cumulative), in `bounds` order.
    public private(set) var cumulativeCounts: [UInt64]
    public private(set) var sum: Double = 0
    public private(set) var count: UInt64 = 0

    public init(bounds: [Double] = DurationHistogram.healthCheckBounds) {
        self.bounds = bounds.sorted()
        cumulativeCounts = Array(repeating: 0, count: bounds.count)
    }

    public mutating func observe(_ seconds: Double) {
        for index in bounds.indices where seconds <= bounds[index] { cumulativeCounts[index] += 1 }
        sum += seconds
        count += 1
    }
}
