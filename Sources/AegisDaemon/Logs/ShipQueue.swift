import AegisSystem

/// The batches waiting for Loki, oldest first: in memory while Loki keeps up, in the on-disk
/// spool once `memoryMaxBytes` would be exceeded (Loki slow or absent).
///
/// Invariant: memory holds batches only while the spool is empty. Spilling moves the memory
/// batches into the spool first, then the new one, so the spool alone holds the whole order;
/// sending memory first, then the spool, keeps the per-stream order Loki needs.
final class ShipQueue {
    private var memory: [LogSpool.Record] = []
    private var memoryBytes = 0
    let memoryMaxBytes: Int
    let spool: LogSpool
    /// Whether the record `peek` returned came from memory, for `acknowledge`.
    private var peekedFromMemory = false

    init(spool: LogSpool, memoryMaxBytes: Int) {
        self.spool = spool
        self.memoryMaxBytes = memoryMaxBytes
    }

    var isEmpty: Bool { memory.isEmpty && spool.isEmpty }

    func enqueue(_ record: LogSpool.Record) throws(SystemError) {
        if spool.isEmpty, memoryBytes + record.body.count <= memoryMaxBytes {
            memory.append(record)
            memoryBytes += record.body.count
            return
        }
        try spillMemory()
        try spool.append(record)
    }

    func peek() throws(SystemError) -> LogSpool.Record? {
        if let first = memory.first {
            peekedFromMemory = true
            return first
        }
        peekedFromMemory = false
        return try spool.peek()
    }

    /// Moves past the batch `peek` returned. A batch spilled to disk while it was being pushed
    /// is sent again from the spool (at-least-once; Loki drops the identical entries).
    func acknowledge() throws(SystemError) {
        if peekedFromMemory {
            if !memory.isEmpty { memoryBytes -= memory.removeFirst().body.count }
        } else {
            try spool.acknowledge()
        }
        peekedFromMemory = false
    }

    /// Moves the memory batches into the spool, in order (when spilling, and on a clean stop so
    /// that they survive the restart).
    func spillMemory() throws(SystemError) {
        for record in memory { try spool.append(record) }
        memory = []
        memoryBytes = 0
    }
}
