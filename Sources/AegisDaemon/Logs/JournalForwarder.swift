import AegisCore
import AegisSystem
import Synchronization

/// Sends entries to journald from a thread of its own. journald reads its socket at its own
/// pace (tens of thousands of entries per second on a small machine) and a full socket makes
/// the send wait: that wait must hold up neither the Loki shipper nor the ring, nor, through
/// them, a child's pipe. The thread runs at background priority (`DedicatedThread`): journald
/// gets a burst's entries after the burst rather than during it. Bounded: beyond `maxEntries` waiting, entries are not sent to
/// journald and are counted (`journal_dropped` in status); they still reach Loki and the ring.
final class JournalForwarder: Sendable {
    struct Item {
        var entry: LogEntry
        var service: ServiceID
        /// The child's constant fields (`fields(service:stream:pid:)`), shared by its entries.
        var fields: JournalFields
    }

    private let queue = BatchHandOff<Item>()
    private let droppedCount = Atomic<Int>(0)
    private let sentCount = Atomic<Int>(0)
    let maxEntries: Int
    /// Called with what journald would not take (no journald after all): the caller's fallback.
    private let fallback: @Sendable (Item) -> Void

    init(maxEntries: Int = 200_000, fallback: @escaping @Sendable (Item) -> Void) {
        self.maxEntries = maxEntries
        self.fallback = fallback
        DedicatedThread.start("aegis-journal", priority: .background) { [self] in run() }
    }

    var dropped: Int { droppedCount.load(ordering: .relaxed) }

    /// Entries journald's socket took.
    var sent: Int { sentCount.load(ordering: .relaxed) }

    /// Queues `batch` in order, as much of it as fits; never waits.
    func send(_ batch: [Item]) {
        droppedCount.add(queue.put(batch, limit: maxEntries), ordering: .relaxed)
    }

    /// Sends what is queued, then ends the thread.
    func close() { queue.close() }

    private func run() {
        var batch: [Item] = []
        var scratch: [UInt8] = []
        while queue.take(into: &batch) {
            for item in batch {
                if item.fields.send(message: item.entry.line, priority: item.entry.level.syslogPriority, scratch: &scratch) {
                    sentCount.add(1, ordering: .relaxed)
                } else {
                    fallback(item)
                }
            }
        }
    }

    /// The fields every entry of one child's stream carries besides MESSAGE and PRIORITY.
    static func fields(service: ServiceID, stream: OutputStreamKind, pid: Int32?) -> JournalFields {
        var fields = [
            (name: "SYSLOG_IDENTIFIER", value: "aegis-\(service.rawValue)"),
            (name: "AEGIS_SERVICE", value: service.rawValue),
            (name: "AEGIS_STREAM", value: stream.rawValue),
        ]
        if let pid {
            fields.append((name: "AEGIS_PID", value: String(pid)))
            // journald's _PID is aegisd's own; SYSLOG_PID is where tools look for the sender's.
            fields.append((name: "SYSLOG_PID", value: String(pid)))
        }
        return JournalFields(fields)
    }
}
