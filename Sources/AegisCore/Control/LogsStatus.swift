/// The `logs` object of `aegisctl status --json`: what the log pipeline read and where it went.
public struct LogsStatus: Codable, Sendable, Equatable {
    /// Entries read from children and sources (a multi-line message counts once).
    public var linesRead: Int
    /// Entries Loki acknowledged.
    public var linesShipped: Int
    /// Entries that will never reach Loki: refused by Loki (4xx other than 429), pushed out of
    /// a full spool, or not taken by a full in-memory queue.
    public var linesDropped: Int
    /// `linesDropped` split by why (`LogDropReason` raw values); nil from a daemon that does not
    /// split them.
    public var linesDroppedByReason: [String: Int]?
    /// Entries journald's socket took (journald may still apply its rate limit to them).
    public var journalSent: Int?
    /// Entries not sent to journald because it fell too far behind (they still reach Loki).
    public var journalDropped: Int?
    /// Bytes of children's output dropped before they became entries: aegisd's line processing
    /// fell more than 64 MiB behind a child (a flood no server's normal logging comes near).
    public var outputDroppedBytes: Int?
    /// Pushes retried after a 429, a 5xx or a network error.
    public var retries: Int
    /// Bytes of batches waiting in the on-disk spool.
    public var spoolBytes: Int
    /// Whether entries are pushed to Loki (`[logs] ship`).
    public var shipping: Bool
    /// Where they are pushed.
    public var lokiURL: String?
    /// The last push failure; kept after later successes, so that a dropped batch stays visible.
    public var lastError: String?
    /// What the shipper waits for instead of pushing, e.g. `loki (unavailable: …)` while the
    /// supervised Loki is not running; nil while it pushes. Not an error: nothing is lost
    /// (batches wait in the spool) and nothing is retried.
    public var waitingFor: String?

    enum CodingKeys: String, CodingKey {
        case linesRead = "lines_read", linesShipped = "lines_shipped", linesDropped = "lines_dropped"
        case linesDroppedByReason = "lines_dropped_by_reason"
        case retries, shipping
        case journalDropped = "journal_dropped", journalSent = "journal_sent", outputDroppedBytes = "output_dropped_bytes"
        case spoolBytes = "spool_bytes", lokiURL = "loki_url", lastError = "last_error", waitingFor = "waiting_for"
    }

    public init(
        linesRead: Int = 0, linesShipped: Int = 0, linesDropped: Int = 0, retries: Int = 0, spoolBytes: Int = 0,
        shipping: Bool = false, lokiURL: String? = nil, lastError: String? = nil, waitingFor: String? = nil
    ) {
        self.waitingFor = waitingFor
        self.linesRead = linesRead
        self.linesShipped = linesShipped
        self.linesDropped = linesDropped
        self.retries = retries
        self.spoolBytes = spoolBytes
        self.shipping = shipping
        self.lokiURL = lokiURL
        self.lastError = lastError
    }
}
