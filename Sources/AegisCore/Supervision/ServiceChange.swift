/// What an event did to a service, as the state machine reports it: the owner logs it,
/// publishes it to whoever waits on a state, and counts it. The machine says so itself (an
/// `.announce` action) so that nobody has to infer a failure or a transition by comparing
/// counters and states before and after an event.
public struct ServiceChange: Sendable, Equatable, CustomStringConvertible {
    public let service: ServiceID
    public let from: ServiceStateName
    public let to: ServiceStateName
    /// Healthy after the event (a running service can turn unhealthy without a transition).
    public let healthy: Bool
    /// The status message after the event (why it is in backoff, failed, unavailable…).
    public let message: String?
    /// Set when the event was a failure (an exit, a hang, a failed launch, a refused start):
    /// its reason, reported exactly once.
    public let failure: String?

    public init(service: ServiceID, from: ServiceStateName, to: ServiceStateName, healthy: Bool,
                message: String?, failure: String?) {
        self.service = service
        self.from = from
        self.to = to
        self.healthy = healthy
        self.message = message
        self.failure = failure
    }

    /// The log line: `postgres-ai: running → backoff: exited with status 1 unexpectedly; …`.
    public var description: String {
        var line = "\(service.rawValue): \(from.rawValue) → \(to.rawValue)"
        if healthy { line += " (healthy)" }
        if let message { line += ": \(message)" }
        return line
    }
}
