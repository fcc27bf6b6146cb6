import CSystemd
import Glibc

/// Reads the entries of other units from the local journal through sd-journal, the way
/// Promtail's journal target does, resuming after a saved cursor.
///
/// sd-journal handles are not thread-safe: one owner polls (the shipper's reader thread).
public final class JournalTailer {
    /// One journal entry: its message, the time journald received it, its priority and the
    /// cursor to resume after it.
    public struct Entry: Sendable, Equatable {
        public var message: String
        public var realtimeUsec: UInt64
        public var priority: Int?
        public var cursor: String
    }

    private var journal: OpaquePointer?
    public private(set) var cursor: String?

    /// Opens the local journal, matching `matches` (`FIELD=value`, e.g. `_SYSTEMD_UNIT=x.service`;
    /// several values of one field are OR-ed, different fields AND-ed, as in `journalctl`).
    /// Without a cursor it starts now: a first start does not ship the whole history.
    public init(matches: [String], after cursor: String?) throws(SystemError) {
        var handle: OpaquePointer?
        let rc = sd_journal_open(&handle, Int32(SD_JOURNAL_LOCAL_ONLY))
        guard rc >= 0, let handle else { throw SystemError("sd_journal_open: \(String(cString: strerror(-rc)))") }
        journal = handle
        // Sets up the inotify watch that sd_journal_process reads: without it, entries appended
        // to files already open are not seen.
        _ = sd_journal_get_fd(handle)
        for match in matches {
            let code = match.withCString { sd_journal_add_match(handle, $0, 0) }
            guard code >= 0 else { throw SystemError("journal match \(match): \(String(cString: strerror(-code)))") }
        }
        self.cursor = cursor
        if let cursor, cursor.withCString({ sd_journal_seek_cursor(handle, $0) }) >= 0 {
            // seek_cursor positions *at* the entry; the first next() returns it again.
            if sd_journal_next(handle) > 0, cursor.withCString({ sd_journal_test_cursor(handle, $0) }) <= 0 {
                sd_journal_previous(handle)
            }
        } else {
            // From now on. (seek_tail then previous is the textbook way, but with nothing
            // matching yet it leaves the position where later entries are never found.)
            var now = timespec()
            clock_gettime(CLOCK_REALTIME, &now)
            sd_journal_seek_realtime_usec(handle, UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec / 1000))
        }
    }

    deinit {
        if let journal { sd_journal_close(journal) }
    }

    /// Entries that arrived since the last call (at most `limit`).
    public func poll(limit: Int = 10_000) -> [Entry] {
        guard let journal else { return [] }
        _ = sd_journal_process(journal)
        var entries: [Entry] = []
        while entries.count < limit, sd_journal_next(journal) > 0 {
            var usec: UInt64 = 0
            sd_journal_get_realtime_usec(journal, &usec)
            var cursorPointer: UnsafeMutablePointer<CChar>?
            guard sd_journal_get_cursor(journal, &cursorPointer) >= 0, let cursorPointer else { continue }
            let cursor = String(cString: cursorPointer)
            free(cursorPointer)
            self.cursor = cursor
            guard let message = field("MESSAGE") else { continue }
            entries.append(Entry(message: message, realtimeUsec: usec, priority: field("PRIORITY").flatMap { Int($0) }, cursor: cursor))
        }
        return entries
    }

    /// Waits up to `timeout` for new entries (sd_journal_wait).
    public func wait(timeout: Duration) {
        guard let journal else { return }
        let (seconds, attos) = timeout.components
        _ = sd_journal_wait(journal, UInt64(seconds) * 1_000_000 + UInt64(attos / 1_000_000_000_000))
    }

    private func field(_ name: String) -> String? {
        var data: UnsafeRawPointer?
        var length = 0
        guard name.withCString({ sd_journal_get_data(journal, $0, &data, &length) }) >= 0, let data else { return nil }
        let bytes = UnsafeRawBufferPointer(start: data, count: length)
        let text = String(decoding: bytes, as: UTF8.self)
        return text.hasPrefix(name + "=") ? String(text.dropFirst(name.count + 1)) : nil
    }
}
