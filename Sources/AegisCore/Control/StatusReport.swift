/// `aegisctl status --json`: a contract scripts rely on (a `services` array whose elements have
/// at least `name`, `state`, `healthy`, `pid`, `restarts`). Extend freely, never rename.
public struct StatusReport: Codable, Sendable, Equatable {
    public var daemon: DaemonStatus
    public var services: [ServiceStatus]
    /// Per service with backups; absent from daemons that do not report them.
    public var backups: [BackupStatus]?
    /// Backups, restores and drills running now.
    public var activity: [OperationStatus]?
    /// Certificates that expire within 14 days or cannot be used.
    public var certificateWarnings: [String]?
    /// The log pipeline's counters; absent from daemons that do not report them.
    public var logs: LogsStatus?
    /// Every maintenance job with its last outcome (VACUUM ANALYZE, archiving, BGSAVE).
    public var maintenance: [MaintenanceJobStatus]?
    /// Free space of the filesystems holding data, backups and the log spool.
    public var filesystems: [FilesystemFigures]?
    /// Point-in-time recovery per PostgreSQL instance with `[pitr]` on.
    public var pitr: [PITRStatus]?

    enum CodingKeys: String, CodingKey {
        case daemon, services, backups, activity, logs, maintenance, filesystems, pitr
        case certificateWarnings = "certificate_warnings"
    }

    public init(daemon: DaemonStatus, services: [ServiceStatus], backups: [BackupStatus]? = nil) {
        self.daemon = daemon
        self.services = services
        self.backups = backups
    }

    /// One line for systemd's `STATUS=` and the head of `aegisctl status`.
    public var summary: String {
        let healthy = services.filter(\.healthy).count
        let wanted = services.filter { $0.state != .unavailable }
        var line = "\(healthy)/\(wanted.count) services healthy"
        let troubled = services.filter { !$0.healthy && $0.state != .unavailable }
        if !troubled.isEmpty {
            line += "; " + troubled.map { "\($0.name) \($0.state.rawValue)" }.joined(separator: ", ")
        }
        let failedJobs = (maintenance ?? []).filter { $0.lastRun?.ok == false }.map { "maintenance \($0.name) failed" }
        let pitrWarnings = (pitr ?? []).compactMap { status in status.problem.map { "pitr \(status.service): \($0)" } }
        let warnings = (backups ?? []).compactMap(\.warning) + pitrWarnings + (certificateWarnings ?? []) + failedJobs
        if !warnings.isEmpty {
            line += "; warning: " + warnings.joined(separator: "; ")
        }
        return line
    }
}

public struct DaemonStatus: Codable, Sendable, Equatable {
    public var version: String
    public var pid: Int32
    public var uptimeSeconds: Double
    /// True once every enabled service has been healthy (systemd READY=1 was sent).
    public var ready: Bool
    /// Where Prometheus scrapes this daemon; absent when the endpoint is not served.
    public var metricsURL: String?

    enum CodingKeys: String, CodingKey {
        case version, pid, ready
        case uptimeSeconds = "uptime_s"
        case metricsURL = "metrics_url"
    }

    public init(version: String, pid: Int32, uptimeSeconds: Double, ready: Bool) {
        self.version = version
        self.pid = pid
        self.uptimeSeconds = uptimeSeconds
        self.ready = ready
    }
}

/// The state names of the status contract.
public enum ServiceStateName: String, Codable, Sendable, CaseIterable {
    case starting, running, stopping, stopped, backoff, failed, unavailable
}

public struct ServiceStatus: Codable, Sendable, Equatable {
    public var name: String
    public var state: ServiceStateName
    public var healthy: Bool
    public var pid: Int32?
    public var restarts: Int
    /// Why the service is in this state, when that needs saying (`failed`, `unavailable`, `backoff`).
    public var message: String?
    public var port: Int?
    /// Seconds since the service entered its current state.
    public var sinceSeconds: Double?
    /// PostgreSQL and Redis: `primary` or `standby` (see `[replication]`).
    public var role: String?
    /// On a standby: how far behind the primary it is (see `ReplicationStatus`); absent when unknown.
    public var replicationLagBytes: Int64?
    public var replicationLagSeconds: Double?
    /// The figures behind them: streaming or not, connected standbys, slots.
    public var replication: ReplicationStatus?

    enum CodingKeys: String, CodingKey {
        case name, state, healthy, pid, restarts, message, port, role, replication
        case sinceSeconds = "since_s"
        case replicationLagBytes = "replication_lag_bytes"
        case replicationLagSeconds = "replication_lag_seconds"
    }

    public init(
        name: String, state: ServiceStateName, healthy: Bool, pid: Int32?, restarts: Int,
        message: String? = nil, port: Int? = nil, sinceSeconds: Double? = nil
    ) {
        self.name = name
        self.state = state
        self.healthy = healthy
        self.pid = pid
        self.restarts = restarts
        self.message = message
        self.port = port
        self.sinceSeconds = sinceSeconds
    }

    /// `pid` must appear as `null`, not be left out: encode it explicitly.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(state, forKey: .state)
        try c.encode(healthy, forKey: .healthy)
        try c.encode(pid, forKey: .pid)
        try c.encode(restarts, forKey: .restarts)
        try c.encodeIfPresent(message, forKey: .message)
        try c.encodeIfPresent(port, forKey: .port)
        try c.encodeIfPresent(sinceSeconds, forKey: .sinceSeconds)
        try c.encodeIfPresent(role, forKey: .role)
        try c.encodeIfPresent(replicationLagBytes, forKey: .replicationLagBytes)
        try c.encodeIfPresent(replicationLagSeconds, forKey: .replicationLagSeconds)
        try c.encodeIfPresent(replication, forKey: .replication)
    }
}
