/// What the alerts over a window remember between snapshots: health-check histograms for the
/// last 5 minutes (`AegisHealthCheckSlow`) and free space for the last 6 hours, one reading a
/// minute (`AegisDiskFillingUp`), as the shipped Prometheus rules see them through `rate(…[5m])`
/// and `predict_linear(…[6h], 24h)`. Bounded: at most a few hundred readings per path.
struct AlertTrends: Sendable {
    static let healthWindow: Double = 300
    static let spaceWindow: Double = 6 * 3600
    static let spaceInterval: Double = 60
    /// `predict_linear` on two readings follows any wiggle; ten minutes of readings first.
    static let spaceMinimumReadings = 10
    /// The rule's threshold: the 90th percentile over half a second (a bucket bound).
    static let slowSeconds = 0.5

    private var health: [(at: Double, checks: [String: (count: UInt64, fast: UInt64)])] = []
    private var space: [(at: Double, available: [String: Double])] = []

    mutating func remember(_ input: MetricsInput) {
        let checks = input.healthCheckDurations.mapValues { histogram in
            (count: histogram.count, fast: histogram.bounds.firstIndex(of: Self.slowSeconds).map { histogram.cumulativeCounts[$0] } ?? histogram.count)
        }
        health.append((input.now, checks))
        health.removeAll { input.now - $0.at > Self.healthWindow }
        if let filesystems = input.status.filesystems, space.last.map({ input.now - $0.at >= Self.spaceInterval }) ?? true {
            space.append((input.now, Dictionary(filesystems.map { ($0.path, $0.availableBytes) }) { first, _ in first }))
        }
        space.removeAll { input.now - $0.at > Self.spaceWindow }
    }

    /// Services whose checks in the window took over `slowSeconds` more than one time in ten
    /// (their 90th percentile is above it), with that share.
    func slowHealthChecks() -> [(service: String, slowShare: Double)] {
        guard let oldest = health.first, let newest = health.last else { return [] }
        return newest.checks.sorted { $0.key < $1.key }.compactMap { service, now in
            let before = oldest.checks[service] ?? (0, 0)
            guard now.count > before.count, now.count >= before.count, now.fast >= before.fast else { return nil }
            let checks = Double(now.count - before.count)
            let slow = checks - Double(now.fast - before.fast)
            return slow / checks > 0.1 ? (service, slow / checks) : nil
        }
    }

    /// Paths whose free space, on the least-squares line through the window's readings, reaches
    /// zero within 24 hours, with the predicted free bytes then (negative).
    func fillingUp(now: Double) -> [(path: String, predicted: Double)] {
        guard space.count >= Self.spaceMinimumReadings, let newest = space.last else { return [] }
        return newest.available.keys.sorted().compactMap { path in
            let points = space.compactMap { reading in reading.available[path].map { (x: reading.at, y: $0) } }
            guard points.count >= Self.spaceMinimumReadings else { return nil }
            let predicted = Self.linearPrediction(points, at: now + 24 * 3600)
            return predicted < 0 ? (path, predicted) : nil
        }
    }

    /// The value at `x` of the least-squares line through `points`, as Prometheus' predict_linear.
    static func linearPrediction(_ points: [(x: Double, y: Double)], at x: Double) -> Double {
        let n = Double(points.count)
        // Centred on the first x: epoch seconds squared lose the slope in rounding.
        let origin = points[0].x
        let meanX = points.map { $0.x - origin }.reduce(0, +) / n
        let meanY = points.map(\.y).reduce(0, +) / n
        var covariance = 0.0
        var variance = 0.0
        for point in points {
            covariance += (point.x - origin - meanX) * (point.y - meanY)
            variance += (point.x - origin - meanX) * (point.x - origin - meanX)
        }
        guard variance > 0 else { return meanY }
        let slope = covariance / variance
        return meanY + slope * (x - origin - meanX)
    }
}
