import Synchronization

/// A connection kept open from one use to the next: for a server asked something every few
/// seconds, one connection for as long as it runs instead of a new one with its authentication
/// each time. Used for Redis (the health checks, the replication readings), which answers every
/// connection in the one process it checks and closes them all when it stops. Not for
/// PostgreSQL: its established backends keep answering while the postmaster hangs (so a health
/// check must connect anew), and a client left connected holds back a smart shutdown. One use at
/// a time.
final class KeptConnection<Connection>: Sendable {
    private let kept = Mutex<Connection?>(nil)

    /// Runs `body` on the kept connection. When there is none, or the kept one failed for a
    /// reason other than its deadline (the server restarted: the old connection is dead while
    /// the new server answers), `body` runs once more on a new connection from `connect`. A
    /// connection whose use failed is never kept; a hung server (deadline) is not asked twice,
    /// so a use stays within one timeout.
    func use<Result: Sendable>(
        connect: () throws -> Connection, isDeadline: (any Error) -> Bool, _ body: (Connection) throws -> Result
    ) throws -> Result {
        try kept.withLock { kept throws -> Result in
            if let existing = kept {
                kept = nil
                do {
                    let result = try body(existing)
                    kept = existing
                    return result
                } catch where isDeadline(error) {
                    throw error
                } catch {
                    // Dropped: a new connection below.
                }
            }
            let fresh = try connect()
            let result = try body(fresh)
            kept = fresh
            return result
        }
    }

    /// Drops the kept connection (a new process is about to be launched).
    func reset() {
        kept.withLock { $0 = nil }
    }
}
