/// The last collection of one service's database figures (PostgreSQL or Redis), made on
/// aegisd's own schedule; a scrape serves it as it is, with its time.
public struct DatabaseFigures: Sendable, Equatable {
    public var service: String
    /// When the last attempt finished and how long it took (seconds).
    public var attemptedAt: Double
    public var durationSeconds: Double
    /// Why the last attempt failed; nil when it succeeded.
    public var error: String?
    /// When figures were last read successfully; the figures are from then.
    public var collectedAt: Double?
    public var postgres: PostgresFigures?
    public var redis: RedisFigures?

    public init(
        service: String, attemptedAt: Double, durationSeconds: Double, error: String? = nil, collectedAt: Double? = nil,
        postgres: PostgresFigures? = nil, redis: RedisFigures? = nil
    ) {
        self.service = service
        self.attemptedAt = attemptedAt
        self.durationSeconds = durationSeconds
        self.error = error
        self.collectedAt = collectedAt
        self.postgres = postgres
        self.redis = redis
    }

    /// A failed attempt keeps the figures of the last success (with their time), so that a
    /// hiccup does not make every series vanish; their age is visible in `collectedAt`.
    public func failed(_ reason: String, at time: Double, durationSeconds: Double) -> DatabaseFigures {
        var next = self
        next.attemptedAt = time
        next.durationSeconds = durationSeconds
        next.error = reason
        return next
    }
}
