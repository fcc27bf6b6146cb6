import AegisCore
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
        /// The shipper waiting for the first entry (`waitForItems`).
        var waiter: CheckedContinuation<Void, Never>?
    }

    public let maxBytes: Int
    private let state = Mutex(State())

    public init(maxBytes: Int = 64 << 20) {
        self.maxBytes = maxBytes
    }

    /// Queues `items` in order, as many as fit; never waits.
    public func push(_ items: [Item]) {
        let waiter: CheckedContinuation<Void, Never>? = state.withLock { state in
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
            guard !state.items.isEmpty else { return nil }
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Returns once something is queued (at once if it is), or the task is cancelled: the
    /// shipper sleeps here while no child writes anything.
    public func waitForItems() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state in
                    guard state.items.isEmpty, !Task.isCancelled else { return true }
                    state.waiter = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            // The task's cancelled flag is set before this runs and read under the same lock
            // above, so a waiter is either resumed here or never stored.
            let waiter = state.withLock { state in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
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
