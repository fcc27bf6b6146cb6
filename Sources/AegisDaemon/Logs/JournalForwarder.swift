import AegisCore
import AegisSystem
import Foundation

/// Sends entries to journald from a thread of its own. journald reads its socket at its own
/// pace (tens of thousands of entries per second on a small machine) and a full socket makes
/// `sd_journal_sendv` wait: that wait must hold up neither the Loki shipper nor the ring, nor,
/// through them, a child's pipe. Bounded: beyond `maxEntries` waiting, entries are not sent to
/// journald and are counted (`journal_dropped` in status); they still reach Loki and the ring.
final class JournalForwarder: @unchecked Sendable {
    // @unchecked: every mutable field is guarded by `condition`.
    struct Item {
        var entry: LogEntry
        var service: ServiceID
        var stream: OutputStreamKind
        var pid: Int32?
    }

    private let condition = NSCondition()
    private var items: [Item] = []
    private var closed = false
    private var droppedCount = 0
    private var sentCount = 0
    let maxEntries: Int
    /// Called with what journald would not take (no journald after all): the caller's fallback.
    private let fallback: @Sendable (Item) -> Void

    init(maxEntries: Int = 200_000, fallback: @escaping @Sendable (Item) -> Void) {
        self.maxEntries = maxEntries
        self.fallback = fallback
        let thread = Thread { [self] in run() }
        thread.name = "aegisd-journal"
        thread.start()
    }

    var dropped: Int {
        condition.lock()
        defer { condition.unlock() }
        return droppedCount
    }

    /// Entries journald's socket took.
    var sent: Int {
        condition.lock()
        defer { condition.unlock() }
        return sentCount
    }

    /// Never waits.
    func send(_ item: Item) {
        condition.lock()
        defer { condition.unlock() }
        guard items.count < maxEntries else {
            droppedCount += 1
            return
        }
        items.append(item)
        condition.signal()
    }

    /// Sends what is queued, then ends the thread.
    func close() {
        condition.lock()
        closed = true
        condition.signal()
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while items.isEmpty && !closed { condition.wait() }
            if items.isEmpty {
                condition.unlock()
                return
            }
            let batch = items
            items = []
            condition.unlock()
            var sent = 0
            for item in batch {
                if JournalWriter.send(Self.fields(item)) { sent += 1 } else { fallback(item) }
            }
            condition.lock()
            sentCount += sent
            condition.unlock()
        }
    }

    static func fields(_ item: Item) -> [(String, String)] {
        var fields = [
            ("MESSAGE", item.entry.line),
            ("PRIORITY", String(item.entry.level.syslogPriority)),
            ("SYSLOG_IDENTIFIER", "aegis-\(item.service.rawValue)"),
            ("AEGIS_SERVICE", item.service.rawValue),
            ("AEGIS_STREAM", item.stream.rawValue),
        ]
        if let pid = item.pid {
            fields.append(("AEGIS_PID", String(pid)))
            // journald's _PID is aegisd's own; SYSLOG_PID is where tools look for the sender's.
            fields.append(("SYSLOG_PID", String(pid)))
        }
        return fields
    }
}
