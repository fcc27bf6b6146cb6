import AegisCore
import Synchronization

/// One operation that changes who follows whom at a time: `aegisctl replication rejoin`,
/// `aegisctl promote` and `aegisctl replication reseed` each stop, start or rewrite the same
/// instances and the same `[replication]` section, and two of them at once would interleave
/// (a rejoin rewinding an instance a re-seed is moving aside, a promotion of an instance a rejoin
/// just made a standby). A second one is refused at once, saying which runs and since when;
/// it never waits, since the first may take an hour (a copy from the primary).
final class ReplicationOperationGate: Sendable {
    private let running = Mutex<(operation: String, since: UTCTimestamp)?>(nil)

    init() {}

    /// Takes the gate for `operation` ("a rejoin", "a promotion", "a re-seed"); returns why not
    /// when another operation holds it.
    func enter(_ operation: String, now: UTCTimestamp = .now) -> String? {
        running.withLock { current in
            if let current {
                return "\(current.operation) is already running since \(current.since): wait until it has finished "
                    + "(aegisctl status shows the services meanwhile), then try again"
            }
            current = (operation, now)
            return nil
        }
    }

    /// Gives the gate back once the operation has finished, whatever its outcome.
    func leave() { running.withLock { $0 = nil } }
}
