import Foundation

/// The buffer between a child's pipe reader and the thread that cuts its output into lines,
/// for `PipeLineReader`'s drain-ahead mode: the reader only copies bytes in, so the child
/// writes at the speed of a pipe drained by `cat`, whatever the line handling costs.
///
/// Bounded: beyond `maxBytes` chunks are dropped and counted instead of blocking the reader;
/// the consumer reports the loss as a line of its own.
final class OutputChunkQueue: @unchecked Sendable {
    // @unchecked: every field is guarded by `condition`.
    private let condition = NSCondition()
    private var chunks: [(kind: OutputStreamKind, bytes: [UInt8])] = []
    private var head = 0
    private var bytes = 0
    private var droppedBytes = 0
    private var closed = false
    let maxBytes: Int

    init(maxBytes: Int) {
        self.maxBytes = maxBytes
    }

    /// Called by the reader; never waits for the consumer.
    func put(_ kind: OutputStreamKind, _ chunk: ArraySlice<UInt8>) {
        condition.lock()
        defer { condition.unlock() }
        if bytes + chunk.count > maxBytes {
            droppedBytes += chunk.count
            return
        }
        chunks.append((kind, Array(chunk)))
        bytes += chunk.count
        condition.signal()
    }

    /// End of every stream: `take` returns nil once the queue is empty.
    func close() {
        condition.lock()
        closed = true
        condition.signal()
        condition.unlock()
    }

    /// The next chunk and the bytes dropped since the last call, waiting for one; nil at the end.
    func take() -> (chunk: (kind: OutputStreamKind, bytes: [UInt8])?, dropped: Int)? {
        condition.lock()
        defer { condition.unlock() }
        while head == chunks.count && !closed && droppedBytes == 0 { condition.wait() }
        let dropped = droppedBytes
        droppedBytes = 0
        guard head < chunks.count else {
            return closed && dropped == 0 ? nil : (nil, dropped)
        }
        let chunk = chunks[head]
        head += 1
        bytes -= chunk.bytes.count
        if head > 1024, head * 2 > chunks.count {
            chunks.removeFirst(head)
            head = 0
        }
        return (chunk, dropped)
    }
}
