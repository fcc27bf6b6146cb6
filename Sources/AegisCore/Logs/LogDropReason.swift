/// Why a log entry will never reach Loki: the label of `aegis_log_lines_dropped_total` and the
/// keys of `lines_dropped_by_reason` in the status.
public enum LogDropReason: String, Sendable, CaseIterable {
    /// Loki answered a push with a 4xx other than 429 (and other than an authentication
    /// failure, which is retried): the batch can never be accepted as it is.
    case lokiRefused = "loki_refused"
    /// The on-disk spool reached its bound and the oldest batches were pushed out.
    case spoolFull = "spool_full"
    /// The in-memory queue in front of the shipper was full.
    case queueFull = "queue_full"
}

extension LogsStatus {
    /// Sets the drops, split by reason and in total.
    public mutating func setDropped(_ counts: [LogDropReason: Int]) {
        linesDropped = counts.values.reduce(0, +)
        linesDroppedByReason = Dictionary(uniqueKeysWithValues: LogDropReason.allCases.map { ($0.rawValue, counts[$0] ?? 0) })
    }
}
