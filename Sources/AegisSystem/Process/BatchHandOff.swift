import Foundation

/// Work handed from any thread to one consumer thread, in batches: a producer never waits (what
/// would go beyond `limit` is refused, and the producer told how much), the consumer takes all
/// that is queued at once. Behind `JournalForwarder` and `ThreadExecutor`.
public final class BatchHandOff<Element>: @unchecked Sendable {
    // @unchecked: `items` and `closed` are guarded by `condition`.
    private let condition = NSCondition()
    private var items: [Element] = []
    private var closed = false

    public init() {}

    /// Queues as much of `batch`, in order, as keeps at most `limit` waiting; returns how many
    /// elements did not fit. Never waits.
    @discardableResult
    public func put<Batch: Collection>(_ batch: Batch, limit: Int = .max) -> Int where Batch.Element == Element {
        guard !batch.isEmpty else { return 0 }
        condition.lock()
        defer { condition.unlock() }
        let room = max(limit - items.count, 0)
        items.append(contentsOf: batch.prefix(room))
        condition.signal()
        return max(batch.count - room, 0)
    }

    /// No more work: `take` returns false once what is queued has been taken.
    public func close() {
        condition.lock()
        closed = true
        condition.signal()
        condition.unlock()
    }

    /// Waits for work and moves all of it into `batch` (emptied first); false at the end.
    /// Swapped, not copied: both buffers keep their capacity from one round to the next.
    public func take(into batch: inout [Element]) -> Bool {
        batch.removeAll(keepingCapacity: true)
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty && !closed { condition.wait() }
        guard !items.isEmpty else { return false }
        swap(&batch, &items)
        return true
    }
}
