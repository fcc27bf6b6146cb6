/// One service's outcome of `aegisctl promote`.
public struct PromotionReport: Codable, Sendable, Equatable {
    public var service: String
    /// PostgreSQL: the timeline the instance writes on now (the standby's + 1).
    public var timeline: Int?
    /// What happened, for people.
    public var message: String

    public init(service: String, timeline: Int? = nil, message: String) {
        self.service = service
        self.timeline = timeline
        self.message = message
    }
}
