import Synchronization

/// A connection kept open from one use to the next: for a server asked something every second or
/// every few seconds, one connection instead of a new one (a socket, a handshake, an
/// authentication; for PostgreSQL a backend forked) each time. Used for Redis (its health checks
/// and replication readings: one process, which answers on every connection as long as it runs)
/// and for PostgreSQL's health checks, which renew theirs every few uses (`maxUses`): only a
/// connection being set up goes through the postmaster.
///
/// One use at a time is the intended pattern; two at once are safe (the second makes its own
/// connection, and the last one to finish is the one kept).
final class KeptConnection<Connection>: Sendable {
    /// A connection belongs to the slot or to the one use that took it out, never to two at
    /// once: that hand-over, under the lock, is what makes passing it between threads safe.
    private struct Owned: @unchecked Sendable {
        let connection: Connection
    }

    private struct Slot {
        var owned: Owned?
        /// Uses of the kept connection so far.
        var uses = 0
        /// Advanced by `reset()`: a use that began before it does not keep its connection.
        var generation = 0
    }

    /// Held only to take the connection out and to put it back, never during a use: `reset()`
    /// must not wait for a use in flight (the supervisor calls it before signalling a process).
    private let slot: Mutex<Slot> = Mutex(Slot())
    /// A connection is closed after this many uses and the next use connects anew; nil keeps it
    /// for as long as it works.
    let maxUses: Int?

    init(maxUses: Int? = nil) {
        precondition(maxUses.map { $0 > 0 } ?? true, "a connection is used at least once")
        self.maxUses = maxUses
    }

    /// Runs `body` on the kept connection. When there is none, when it has served `maxUses`, or
    /// when it failed for a reason other than its deadline (the server restarted: the old
    /// connection is dead while the new server answers), `body` runs on a new connection from
    /// `connect`. A connection whose use failed is never kept; a hung server (deadline) is not
    /// asked twice, so a use stays within one timeout.
    func use<Result: Sendable>(
        connect: () throws -> Connection, isDeadline: (any Error) -> Bool, _ body: (Connection) throws -> Result
    ) throws -> Result {
        var taken = slot.withLock { slot in
            defer { slot.owned = nil }
            return slot
        }
        let generation = taken.generation
        if let kept = taken.owned?.connection, maxUses.map({ taken.uses < $0 }) ?? true {
            do {
                let result = try body(kept)
                keep(kept, uses: taken.uses + 1, ifStill: generation)
                return result
            } catch where isDeadline(error) {
                throw error
            } catch {
                // Dropped: a new connection below.
            }
        }
        taken.owned = nil  // closed before a new one is made: one session at a time
        let fresh = try connect()
        let result = try body(fresh)
        keep(fresh, uses: 1, ifStill: generation)
        return result
    }

    /// Drops the kept connection, and the one of a use in flight when that use ends: the process
    /// it is connected to is about to be signalled or replaced.
    func reset() {
        slot.withLock { $0 = Slot(generation: $0.generation + 1) }
    }

    private func keep(_ connection: Connection, uses: Int, ifStill generation: Int) {
        let owned = Owned(connection: connection)
        slot.withLock { slot in
            guard slot.generation == generation else { return }  // reset meanwhile: dropped
            slot.owned = owned
            slot.uses = uses
        }
    }
}
