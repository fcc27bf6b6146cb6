import AegisCore
import AegisSystem
import Synchronization

/// The hand-off from reader threads to the shipper: a bounded in-memory queue that never makes
/// a writer wait. When the shipper falls behind by more than `maxBytes` (it normally drains it
/// 50 ms after the first entry arrives, long before, and spills to the on-disk spool itself),
/// new entries are refused and counted instead.
public final class LogIntake: Sendable {
    public struct Item: Sendable {
        /// Loki's `job` label.
        public var job: String
        /// Loki's `service` label, for aegisd's own children.
        public var service: String?
        public var entry: LogEntry

        public init(job: String, service: String?, entry: LogEntry) {
            self.job = job
            self.service = service
            self.entry = entry
        }
    }

    private struct State {
        var items: [Item] = []
        var bytes = 0
        var accepted = 0
        var refused = 0
    }

    public let maxBytes: Int
    private let state = Mutex(State())
    /// Rung when entries arrive in an empty queue (`waitForItems`).
    private let arrived = Doorbell()

    public init(maxBytes: Int = 64 << 20) {
        self.maxBytes = maxBytes
    }

    /// Queues `items` in order, as many as fit; never waits.
    public func push(_ items: [Item]) {
        let wasEmpty: Bool = state.withLock { state in
            let wasEmpty = state.items.isEmpty
            for item in items {
                let size = item.entry.line.utf8.count
                if state.bytes + size > maxBytes {
                    state.refused += 1
                    continue
                }
                state.items.append(item)
                state.bytes += size
                state.accepted += 1
            }
            return wasEmpty && !state.items.isEmpty
        }
        // Only the first entry after a drain rings: a busy writer pays no wake-up per push.
        if wasEmpty { arrived.ring() }
    }

    /// Returns once something is queued (at once if it is), or the task is cancelled: the
    /// shipper sleeps here while no child writes anything.
    public func waitForItems() async {
        while !Task.isCancelled, state.withLock({ $0.items.isEmpty }) {
            await arrived.wait()
        }
    }

    /// Everything queued, oldest first.
    public func drain() -> [Item] {
        state.withLock { state in
            defer {
                state.items = []
                state.items.reserveCapacity(1024)
                state.bytes = 0
            }
            return state.items
        }
    }

    /// Entries taken, and entries refused because the queue was full.
    public var counts: (accepted: Int, refused: Int) {
        state.withLock { ($0.accepted, $0.refused) }
    }
}
