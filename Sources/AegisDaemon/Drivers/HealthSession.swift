import Synchronization

/// The connection a driver's health checks use, kept open from one check to the next: one
/// connection per service for as long as it runs, instead of a new one with its authentication
/// every second. Only for a server that answers every connection in the process it checks
/// (Redis): PostgreSQL's established backends keep answering while the postmaster hangs, so
/// its checks connect anew each time. One check at a time uses it.
final class HealthSession<Connection>: Sendable {
    private let kept = Mutex<Connection?>(nil)

    /// Runs `check` on the kept connection. When there is none, or the kept one failed for a
    /// reason other than its deadline (the server restarted: the old connection is dead while
    /// the new server answers), `check` runs once more on a new connection from `connect`. A
    /// connection whose check failed is never kept; a hung server (deadline) is not asked twice,
    /// so a check stays within one timeout.
    func check<Result: Sendable>(
        connect: () throws -> Connection, isDeadline: (any Error) -> Bool, _ check: (Connection) throws -> Result
    ) throws -> Result {
        try kept.withLock { kept throws -> Result in
            if let existing = kept {
                kept = nil
                do {
                    let result = try check(existing)
                    kept = existing
                    return result
                } catch where isDeadline(error) {
                    throw error
                } catch {
                    // Dropped: a new connection below.
                }
            }
            let fresh = try connect()
            let result = try check(fresh)
            kept = fresh
            return result
        }
    }

    /// Drops the kept connection (a new process is about to be launched).
    func reset() {
        kept.withLock { $0 = nil }
    }
}
