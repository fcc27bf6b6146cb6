/// One entry of `aegisctl logs`, as the daemon sends it.
public struct LogLineReport: Codable, Sendable, Equatable {
    /// The ring's number of the entry; `aegisctl logs -f` asks for entries after the last one.
    public var sequence: Int
    /// Nanoseconds since the Unix epoch.
    public var timestampNs: Int64
    /// Loki's level name (`error`, `warn`, `info`, …).
    public var level: String
    /// `stdout` or `stderr`.
    public var stream: String
    public var line: String

    enum CodingKeys: String, CodingKey {
        case sequence = "seq", timestampNs = "ts_ns", level, stream, line
    }

    public init(sequence: Int, timestampNs: Int64, level: String, stream: String, line: String) {
        self.sequence = sequence
        self.timestampNs = timestampNs
        self.level = level
        self.stream = stream
        self.line = line
    }

    public init(_ item: LogRing.Item) {
        self.init(
            sequence: item.sequence, timestampNs: item.entry.timestampNs, level: item.entry.level.lokiName,
            stream: item.stream, line: item.entry.line)
    }
}
