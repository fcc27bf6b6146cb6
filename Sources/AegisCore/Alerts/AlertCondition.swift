/// One alert condition that holds now: its kind, what it is about (a service, a path, a
/// certificate) and a sentence for the operator.
public struct AlertCondition: Sendable, Equatable, Hashable {
    public var kind: AlertKind
    public var subject: String
    public var summary: String

    public init(kind: AlertKind, subject: String, summary: String) {
        self.kind = kind
        self.subject = subject
        self.summary = summary
    }

    /// Identifies one alert across evaluations.
    public var key: String { "\(kind.rawValue)/\(subject)" }
}

/// A change of an alert: it fired, or it resolved.
public struct AlertEvent: Sendable, Equatable {
    public enum State: String, Sendable, Codable {
        case firing, resolved
    }

    public var condition: AlertCondition
    public var state: State
    /// Seconds since the epoch.
    public var at: Double

    public init(condition: AlertCondition, state: State, at: Double) {
        self.condition = condition
        self.state = state
        self.at = at
    }
}
