/// One log entry: a line (or a multi-line message joined with `\n`) with the time it was read
/// and its level. The unit that journald, Loki and `aegisctl logs` all receive.
public struct LogEntry: Sendable, Equatable {
    /// Nanoseconds since the Unix epoch (Loki's timestamp unit).
    public var timestampNs: Int64
    public var line: String
    public var level: LogLevel

    public init(timestampNs: Int64, line: String, level: LogLevel) {
        self.timestampNs = timestampNs
        self.line = line
        self.level = level
    }
}
