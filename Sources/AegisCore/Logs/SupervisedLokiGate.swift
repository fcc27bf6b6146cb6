/// Whether the shipper may push to the supervised Loki now, from that service's status.
///
/// A Loki that is not running is not a delivery failure: on a machine without Loki (every
/// fresh Debian machine) it is `unavailable` for good, and while it starts, backs off or is
/// stopped, pushes could only be refused. The shipper then keeps its batches (memory, then the
/// bounded spool) and waits for the next change of the service's state instead of retrying.
/// A remote `loki_url` has no such gate: when it cannot be reached, that is an error.
public enum SupervisedLokiGate {
    public enum Verdict: Sendable, Equatable {
        /// Loki runs (it answered `/ready` when it started): push.
        case push
        /// Do not push; `reason` says what the shipper waits for, e.g.
        /// `loki (unavailable: Grafana Loki is not installed …)`.
        case wait(reason: String)
    }

    /// The verdict for the supervised Loki in `status`.
    public static func verdict(_ status: ServiceStatus) -> Verdict {
        if status.state == .running { return .push }
        var reason = "\(status.name) (\(status.state.rawValue)"
        if let message = status.message, !message.isEmpty { reason += ": \(message)" }
        return .wait(reason: reason + ")")
    }
}
