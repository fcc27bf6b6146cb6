/// Groups entries into Loki pushes the way Promtail does: a batch is complete when it holds
/// `maxBytes` of lines or when its oldest entry has waited `maxWaitNs`, whichever comes first.
///
/// Within a stream, entries keep their arrival order and timestamps never go backwards: an
/// entry older than its stream's newest (a clock step, two readers racing) takes the newest
/// timestamp, because Loki refuses out-of-order entries in a stream. Pure: the caller passes time.
public struct LogBatcher: Sendable {
    public struct Policy: Sendable, Equatable {
        public var maxBytes: Int
        public var maxWaitNs: Int64

        public init(maxBytes: Int = 1 << 20, maxWaitNs: Int64 = 1_000_000_000) {
            self.maxBytes = maxBytes
            self.maxWaitNs = maxWaitNs
        }
    }

    public let policy: Policy
    private var batch = LogBatch()
    private var streamIndex: [LogStreamLabels: Int] = [:]
    private var lastTimestamp: [LogStreamLabels: Int64] = [:]
    private var openedAtNs: Int64?

    public init(policy: Policy = Policy()) {
        self.policy = policy
    }

    /// When the current batch is due (nil while it is empty).
    public var deadlineNs: Int64? { openedAtNs.map { $0 + policy.maxWaitNs } }

    /// Adds `entry` to `labels`' stream at `nowNs`; returns the batch it completed, if any.
    /// A batch that would exceed `maxBytes` is sent first, so a batch exceeds it only when a
    /// single entry does.
    public mutating func add(_ entry: LogEntry, to labels: LogStreamLabels, nowNs: Int64) -> LogBatch? {
        var completed: LogBatch?
        let size = entry.line.utf8.count
        if batch.bytes > 0, batch.bytes + size > policy.maxBytes { completed = take() }
        var entry = entry
        if let last = lastTimestamp[labels], entry.timestampNs < last { entry.timestampNs = last }
        lastTimestamp[labels] = entry.timestampNs
        if let index = streamIndex[labels] {
            batch.streams[index].entries.append(entry)
        } else {
            streamIndex[labels] = batch.streams.count
            batch.streams.append(LogBatch.Stream(labels: labels, entries: [entry]))
        }
        batch.bytes += size
        if openedAtNs == nil { openedAtNs = nowNs }
        if completed == nil, batch.bytes >= policy.maxBytes { completed = take() }
        return completed
    }

    /// The current batch if it has waited long enough at `nowNs`.
    public mutating func due(nowNs: Int64) -> LogBatch? {
        guard let deadlineNs, nowNs >= deadlineNs else { return nil }
        return take()
    }

    /// The current batch, whatever its age (shutdown); nil when empty.
    public mutating func flush() -> LogBatch? { batch.streams.isEmpty ? nil : take() }

    private mutating func take() -> LogBatch {
        defer {
            batch = LogBatch()
            streamIndex = [:]
            openedAtNs = nil
        }
        return batch
    }
}
