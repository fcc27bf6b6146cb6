/// How many notifications one target got with one outcome (`delivered` or `failed`).
public struct NotificationCount: Sendable, Equatable {
    public var target: String
    public var outcome: String
    public var count: Int

    public init(target: String, outcome: String, count: Int) {
        self.target = target
        self.outcome = outcome
        self.count = count
    }
}
