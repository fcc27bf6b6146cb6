/// The JSON object every `[[alerts.notify]]` target receives, one per alert change or repeat.
public struct AlertNotification: Codable, Sendable, Equatable {
    /// The rule's name, e.g. `AegisBackupFailed`.
    public var alert: String
    /// `firing` or `resolved`.
    public var state: AlertEvent.State
    /// `critical` or `warning`.
    public var severity: String
    /// What it is about: a service, a path, a certificate role, `logs`.
    public var subject: String
    public var summary: String
    /// journald's MESSAGE_ID of the kind.
    public var messageID: String
    /// The host aegisd runs on.
    public var host: String
    /// When it fired or resolved (RFC 3339, UTC).
    public var at: String
    /// True for a reminder of an alert still firing.
    public var `repeat`: Bool

    enum CodingKeys: String, CodingKey {
        case alert, state, severity, subject, summary, host, at, `repeat`
        case messageID = "message_id"
    }

    public init(_ event: AlertEvent, host: String, repeat: Bool = false) {
        let kind = event.condition.kind
        alert = kind.rawValue
        state = event.state
        severity = kind.isCritical ? "critical" : "warning"
        subject = event.condition.subject
        summary = event.condition.summary
        messageID = kind.messageID
        self.host = host
        at = UTCTimestamp(secondsSinceEpoch: Int64(event.at)).description
        self.repeat = `repeat`
    }
}

/// Which notifications are due: every firing and resolved event once, and a reminder for an
/// alert still firing every `repeatSeconds` (0: never).
public struct NotificationSchedule: Sendable {
    public let repeatSeconds: Double
    private var lastSent: [String: Double] = [:]

    public init(repeatSeconds: Double) {
        self.repeatSeconds = repeatSeconds
    }

    /// The events of one evaluation plus the reminders due, as (event, is a repeat).
    public mutating func due(_ events: [AlertEvent], active: [AlertCondition], now: Double) -> [(AlertEvent, Bool)] {
        var due: [(AlertEvent, Bool)] = events.map { ($0, false) }
        for event in events {
            lastSent[event.condition.key] = event.state == .firing ? now : nil
        }
        guard repeatSeconds > 0 else { return due }
        for condition in active {
            guard let last = lastSent[condition.key], now - last >= repeatSeconds else { continue }
            lastSent[condition.key] = now
            due.append((AlertEvent(condition: condition, state: .firing, at: now), true))
        }
        return due
    }
}
