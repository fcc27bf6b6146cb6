/// What one push to Loki carries: streams, each with its entries in time order.
public struct LogBatch: Sendable, Equatable {
    public struct Stream: Sendable, Equatable {
        public var labels: LogStreamLabels
        public var entries: [LogEntry]
    }

    /// In the order the streams first appeared in the batch.
    public var streams: [Stream]
    /// The entries' line bytes, Loki's measure of a batch.
    public var bytes: Int
    public var entryCount: Int { streams.reduce(0) { $0 + $1.entries.count } }

    public init(streams: [Stream] = [], bytes: Int = 0) {
        self.streams = streams
        self.bytes = bytes
    }
}
