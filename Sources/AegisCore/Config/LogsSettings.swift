/// `[logs]`: children's lines to journald and Loki, the ring behind `aegisctl logs`, and the
/// extra sources (`[[logs.source]]`) that Promtail used to collect.
public struct LogsSettings: Sendable, Equatable {
    /// Whether entries are pushed to Loki at all (journald and the ring work regardless) (`ship`).
    public var ship: Bool = true
    /// Whether children's entries are forwarded to journald (`journal`); off, they reach only
    /// the ring and Loki. aegisd's own messages go to journald either way.
    public var journal: Bool = true
    /// Loki's push URL; empty means the supervised Loki on loopback (`loki_url`).
    public var lokiURL: String = ""
    /// PEM CA bundle that verifies an https `loki_url`; empty means the system's CA store
    /// (`loki_ca_file`). The supervised Loki is always verified against aegisd's CA.
    public var lokiCAFile: String = ""
    /// The tenant sent as `X-Scope-OrgID` to a remote multi-tenant Loki; empty sends none
    /// (`loki_tenant`).
    public var lokiTenant: String = ""
    /// The user for HTTP basic auth to a remote Loki (behind an auth proxy); empty means no basic
    /// auth (`loki_username`).
    public var lokiUsername: String = ""
    /// The file holding the basic-auth password for `loki_username` (`loki_password_file`).
    public var lokiPasswordFile: String = ""
    /// The file holding a bearer token for a remote Loki, the alternative to basic auth
    /// (`loki_bearer_token_file`).
    public var lokiBearerTokenFile: String = ""
    /// Bound of the on-disk spool of batches Loki has not taken yet, in MiB (`spool_max_mb`).
    public var spoolMaxMb: Int = 256
    /// A batch is pushed when its lines reach this many bytes (`batch_max_bytes`).
    public var batchMaxBytes: Int = 1 << 20
    /// … or when its oldest line has waited this long (`batch_max_wait_ms`).
    public var batchMaxWaitMs: Int = 1000
    /// Lines kept in memory per service for `aegisctl logs` (`ring_lines`).
    public var ringLines: Int = 1000
    /// Keys of JSON log lines whose values become Loki labels (`json_labels`).
    public var jsonLabels: [String] = ["status", "level"]
    /// `[[logs.source]]` tables, in file order.
    public var sources: [LogSourceSettings] = []

    public init() {}

    /// These settings with the tenant and credential keys emptied: what a reload may not change
    /// while aegisd runs (the credentials are re-read in place).
    public var withoutLokiAuth: LogsSettings {
        var copy = self
        copy.lokiTenant = ""
        copy.lokiUsername = ""
        copy.lokiPasswordFile = ""
        copy.lokiBearerTokenFile = ""
        return copy
    }

    /// The push URL in effect: `loki_url`, or the supervised Loki's: over https to `localhost`
    /// (the name its certificate carries) when `lokiTLS`, else over http to 127.0.0.1.
    public func effectiveLokiURL(lokiHTTPPort: Int, lokiTLS: Bool = false) -> String {
        guard lokiURL.isEmpty else { return lokiURL }
        return lokiTLS
            ? "https://\(AegisConfig.supervisedLokiServerName):\(lokiHTTPPort)\(LokiEndpoint.pushPath)"
            : "http://127.0.0.1:\(lokiHTTPPort)\(LokiEndpoint.pushPath)"
    }
}

/// `[[logs.source]]`: log files by glob, or a systemd unit's journal, shipped under `job`.
public struct LogSourceSettings: Sendable, Equatable {
    /// The `job` label, e.g. `aegis-backend` (`job`).
    public var job: String = ""
    /// Globs of log files to follow (`paths`).
    public var paths: [String] = []
    /// A systemd unit whose journal entries to ship, e.g. `aegis-backend.service` (`unit`).
    public var unit: String = ""

    public init(job: String = "", paths: [String] = [], unit: String = "") {
        self.job = job
        self.paths = paths
        self.unit = unit
    }
}
