/// Joins the lines of one multi-line message into one entry, for one output stream of one child.
///
/// A line continues the entry before it when it starts with a tab (PostgreSQL indents the rest of
/// a statement that way) or when it is a PostgreSQL `DETAIL:`, `HINT:`, `STATEMENT:`, `CONTEXT:`,
/// `QUERY:` or `LOCATION:` line following an entry at WARNING or above. The entry is complete when
/// a line arrives that does not continue it, when it reaches `maxBytes`, or when the caller's
/// clock passes its deadline (`flushDue(now:)`): PostgreSQL writes a message's lines together,
/// so a short wait is enough and a lone line is never held back for long.
///
/// A pure state machine: it keeps no clock and performs no I/O.
public struct MultilineAssembler: Sendable {
    public struct Policy: Sendable, Equatable {
        /// An entry is cut when it would grow beyond this many bytes (Loki's default line limit is 256 KiB).
        public var maxBytes: Int
        /// How long an entry waits for its continuation lines, in nanoseconds.
        public var flushAfterNs: Int64

        public init(maxBytes: Int = 64 * 1024, flushAfterNs: Int64 = 100_000_000) {
            self.maxBytes = maxBytes
            self.flushAfterNs = flushAfterNs
        }
    }

    public let policy: Policy
    private var pending: LogEntry?
    private var pendingBytes = 0
    /// When the pending entry is flushed if nothing continues it.
    public private(set) var deadlineNs: Int64?

    public init(policy: Policy = Policy()) {
        self.policy = policy
    }

    /// Feeds one line read at `nowNs`; appends the entries it completed (zero, one or two) to
    /// `completed`, a buffer the caller reuses: this runs for every line every child prints.
    public mutating func lineReceived(_ line: String, nowNs: Int64, completed: inout [LogEntry]) {
        if var entry = pending {
            let bytes = line.utf8.count + 1
            if Self.continues(line, after: entry), pendingBytes + bytes <= policy.maxBytes {
                // Taken out first so that the append below does not copy the joined text.
                pending = nil
                entry.line += "\n" + line
                pending = entry
                pendingBytes += bytes
                return
            }
            completed.append(entry)
        }
        pending = LogEntry(timestampNs: nowNs, line: line, level: LogLevelParser.level(of: line))
        pendingBytes = line.utf8.count
        deadlineNs = nowNs + policy.flushAfterNs
        if pendingBytes >= policy.maxBytes { completed.append(takePending()!) }
    }

    /// The pending entry if its deadline has passed at `nowNs`.
    public mutating func flushDue(nowNs: Int64) -> LogEntry? {
        guard let deadlineNs, nowNs >= deadlineNs else { return nil }
        return takePending()
    }

    /// The pending entry, whatever its deadline (end of file, shutdown).
    public mutating func flush() -> LogEntry? { takePending() }

    private mutating func takePending() -> LogEntry? {
        defer {
            pending = nil
            pendingBytes = 0
            deadlineNs = nil
        }
        return pending
    }

    /// Whether `line` belongs to the message `entry` began.
    static func continues(_ line: String, after entry: LogEntry) -> Bool {
        if line.utf8.first == UInt8(ascii: "\t") { return true }
        guard entry.level <= .warning, let tag = postgresTag(of: line) else { return false }
        return continuationTags.contains(tag)
    }

    static let continuationTags: Set<String> = ["DETAIL", "HINT", "STATEMENT", "CONTEXT", "QUERY", "LOCATION"]

    /// The severity word of a PostgreSQL line (`… [pid] DETAIL:  …` → `DETAIL`).
    static func postgresTag(of line: String) -> String? {
        guard let colon = line.range(of: ":  ") else { return nil }
        let word = line[..<colon.lowerBound].reversed().prefix { $0.isUppercase || $0.isNumber }
        return word.isEmpty ? nil : String(word.reversed())
    }
}
