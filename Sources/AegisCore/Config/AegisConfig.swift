/// The whole configuration of aegisd, as read from `aegisd.toml` and validated.
///
/// Every field has a default (see `AegisConfig.defaults(root:)`), so a configuration file only
/// needs to say what differs. Durations carry their unit in the key name (`…_ms`, `…_s`) so a
/// bare number in the file is never ambiguous.
public struct AegisConfig: Sendable, Equatable {
    public var daemon: DaemonSettings
    public var supervision: SupervisionSettings
    public var postgres: PostgresSettings
    public var redis: RedisSettings
    public var loki: LokiSettings
    public var metrics: MetricsSettings
    public var backup: BackupSettings
    public var tls: TLSSettings = TLSSettings()
    public var logs: LogsSettings = LogsSettings()
    public var maintenance: MaintenanceSettings = MaintenanceSettings()
    public var offsite: OffsiteSettings = OffsiteSettings()
    public var alerts: AlertsSettings = AlertsSettings()
    public var pitr: PITRSettings = PITRSettings()
    public var replication: ReplicationSettings = ReplicationSettings()

    public init(
        daemon: DaemonSettings, supervision: SupervisionSettings, postgres: PostgresSettings,
        redis: RedisSettings, loki: LokiSettings, metrics: MetricsSettings, backup: BackupSettings = BackupSettings()
    ) {
        self.daemon = daemon
        self.supervision = supervision
        self.postgres = postgres
        self.redis = redis
        self.loki = loki
        self.metrics = metrics
        self.backup = backup
    }

    /// The standard ports (5432–5434, 6379, 3100) and sane defaults, with all state under `stateDir`.
    public static func defaults(stateDir: String = "/var/lib/aegis") -> AegisConfig {
        AegisConfig(
            daemon: DaemonSettings(stateDir: stateDir),
            supervision: SupervisionSettings(),
            postgres: PostgresSettings(),
            redis: RedisSettings(),
            loki: LokiSettings(),
            metrics: MetricsSettings()
        )
    }

    /// The state directory tree derived from `daemon.stateDir`.
    public var layout: StateLayout { StateLayout(root: daemon.stateDir) }

    /// Whether the operator wants this service to run at all.
    public func isEnabled(_ service: ServiceID) -> Bool {
        switch service.kind {
        case .postgres: postgres.instances[service.postgresInstance!]!.enabled
        case .redis: redis.enabled
        case .loki: loki.enabled
        }
    }

    /// The secret file of a PostgreSQL role or of aegisd's own Redis user: the configured
    /// `password_file`, or the default under `<state_dir>/secrets/` when it is empty.
    public func passwordFile(of service: ServiceID) -> String {
        let configured: String
        switch service.kind {
        case .postgres: configured = postgres.instances[service.postgresInstance!]!.passwordFile
        case .redis: configured = redis.passwordFile
        case .loki: configured = ""
        }
        return configured.isEmpty ? layout.passwordFile(of: service) : configured
    }

    /// Whether WAL archiving and base backups with pgBackRest are on for this PostgreSQL service.
    /// Never on a standby's instance that follows the primary: its WAL is the primary's, archived there.
    public func pitrEnabled(_ service: ServiceID) -> Bool {
        guard pitr.enabled, !replication.follows(service), let instance = service.postgresInstance, let settings = postgres.instances[instance] else {
            return false
        }
        return settings.enabled && settings.pitr
    }

    /// The TCP port a service listens on (Loki: its HTTP port).
    public func port(of service: ServiceID) -> Int {
        switch service.kind {
        case .postgres: postgres.instances[service.postgresInstance!]!.port
        case .redis: redis.port
        case .loki: loki.httpPort
        }
    }
}

/// `[aegisd]`: the daemon itself.
public struct DaemonSettings: Sendable, Equatable {
    /// Root of all state: data, backups, certs, secrets, spool (`state_dir`).
    public var stateDir: String
    /// The control socket (`socket`).
    public var socket: String
    /// The unprivileged account children run as when aegisd runs as root (`user`).
    public var user: String
    /// Members of this group may use the control socket (`socket_group`).
    public var socketGroup: String
    /// `trace`, `debug`, `info`, `notice`, `warning`, `error` or `critical` (`log_level`).
    public var logLevel: String

    public init(
        stateDir: String = "/var/lib/aegis", socket: String = "/run/aegis/aegisd.sock",
        user: String = "aegis", socketGroup: String = "aegis", logLevel: String = "info"
    ) {
        self.stateDir = stateDir
        self.socket = socket
        self.user = user
        self.socketGroup = socketGroup
        self.logLevel = logLevel
    }
}

/// `[supervision]`: health checks and the restart policy, shared by every service.
public struct SupervisionSettings: Sendable, Equatable {
    public var healthIntervalMs: Int = 1000
    public var healthTimeoutMs: Int = 1000
    /// Consecutive failed health checks after which a running service is declared hung and restarted.
    public var failureThreshold: Int = 3
    public var restartInitialDelayMs: Int = 500
    public var restartMaxDelayMs: Int = 60_000
    /// A service that stays up this long has its backoff reset.
    public var restartStableAfterS: Int = 60
    /// This many failures within `restartWindowS` mark a service `failed` (no more restarts).
    public var restartMaxFailures: Int = 5
    public var restartWindowS: Int = 300
    /// How long a started service may take to become healthy before it counts as failed.
    public var startTimeoutS: Int = 120

    public init() {}
}

/// `[postgres]` and its three instance tables.
public struct PostgresSettings: Sendable, Equatable {
    /// Directory holding `postgres`, `initdb`, `pg_ctl`, `pg_dump` (`bin_dir`).
    public var binDir: String = "/usr/lib/postgresql/15/bin"
    public var instances: [PostgresInstance: PostgresInstanceSettings]

    public init(
        binDir: String = "/usr/lib/postgresql/15/bin",
        instances: [PostgresInstance: PostgresInstanceSettings] = PostgresSettings.standardInstances
    ) {
        self.binDir = binDir
        self.instances = instances
    }

    /// The three instances on their standard ports 5432, 5433, 5434.
    public static let standardInstances: [PostgresInstance: PostgresInstanceSettings] = [
        .backend: PostgresInstanceSettings(instance: .backend, port: 5432),
        .ai: PostgresInstanceSettings(instance: .ai, port: 5433),
        .executor: PostgresInstanceSettings(instance: .executor, port: 5434),
    ]
}

/// `[postgres.backend]`, `[postgres.ai]`, `[postgres.executor]`.
public struct PostgresInstanceSettings: Sendable, Equatable {
    public var enabled: Bool = true
    public var port: Int
    /// The application database (`database`).
    public var database: String
    /// The application role that owns `database` (`user`).
    public var user: String
    /// File holding the role's password; generated (0600) when it does not exist (`password_file`).
    /// Empty means `<state_dir>/secrets/<service>.password`.
    public var passwordFile: String = ""
    /// The addresses PostgreSQL listens on: IP literals, or `*` for every interface
    /// (`listen_addresses`). Loopback by default; another host's clients need this host's
    /// address on their network here.
    public var listenAddresses: [String] = ["127.0.0.1", "::1"]
    /// Networks (CIDR) whose clients may log in as `user` to `database`, over TLS with SCRAM
    /// only (`client_networks`). Empty by default: loopback clients only.
    public var clientNetworks: [String] = []
    // The tuning keys operators of the platform set; PostgreSQL's own units ("512MB").
    public var sharedBuffers: String = "128MB"
    public var effectiveCacheSize: String = "512MB"
    public var maxConnections: Int = 100
    public var workMem: String = "4MB"
    /// Point-in-time recovery for this instance when `[pitr] enabled` (`pitr`).
    public var pitr: Bool = true

    public init(instance: PostgresInstance, port: Int) {
        self.port = port
        self.database = instance.defaultDatabase
        self.user = instance.defaultRole
    }
}

/// `[redis]`.
public struct RedisSettings: Sendable, Equatable {
    public var enabled: Bool = true
    /// `redis-server`, as a path or a name looked up on PATH (`binary`).
    public var binary: String = "redis-server"
    public var port: Int = 6379
    /// The addresses Redis listens on: IP literals, or `*` for every interface (`bind`).
    public var bind: [String] = ["127.0.0.1", "::1"]
    /// Networks (CIDR) of Redis's clients on other hosts (`client_networks`). Redis has no
    /// per-network access list: these only say which networks the systemd unit must let in.
    public var clientNetworks: [String] = []
    /// Empty means `<state_dir>/secrets/redis.password`, generated when missing.
    public var passwordFile: String = ""
    /// Redis's own units ("256mb"); "0" means no limit.
    public var maxmemory: String = "256mb"
    public var maxmemoryPolicy: String = "allkeys-lru"
    /// RDB snapshot rules, Redis's `save` syntax: "900 1 300 10" by default.
    public var save: String = "900 1 300 10"
    public var appendonly: Bool = true

    public init() {}
}

/// `[loki]`.
public struct LokiSettings: Sendable, Equatable {
    public var enabled: Bool = true
    /// `loki`, as a path or a name looked up on PATH. When it is not found the service is
    /// `unavailable` and everything else runs normally.
    public var binary: String = "loki"
    public var httpPort: Int = 3100
    public var grpcPort: Int = 9095
    public var retentionDays: Int = 90
    /// HTTPS on the HTTP port with a server certificate from aegisd's CA (or `[tls]
    /// operator_dir`); aegisd's probe, shipper and `stats` then verify it (`tls`). Off by
    /// default: Loki listens on loopback only, and HTTPS is an option.
    public var tls: Bool = false

    public init() {}
}

/// `[metrics]`: the Prometheus endpoint (`GET /metrics`), see `MetricsEndpoint`.
public struct MetricsSettings: Sendable, Equatable {
    public var port: Int = 9464
    /// `ADDRESS[:PORT]` to listen on; empty means `127.0.0.1:<port>` (`listen`).
    public var listen: String = ""
    /// Seconds between readings of PostgreSQL and Redis figures; 0 turns them off
    /// (`collect_interval_s`).
    public var collectIntervalS: Int = 15
    /// A file holding the token scrapers must send as `Authorization: Bearer TOKEN`; empty
    /// means no authentication (`bearer_token_file`).
    public var bearerTokenFile: String = ""
    /// Serve `/metrics` over HTTPS (`tls`), with `tls_cert_file`/`tls_key_file` or, when both are
    /// empty, a certificate aegisd's CA issues for the endpoint.
    public var tls: Bool = false
    public var tlsCertFile: String = ""
    public var tlsKeyFile: String = ""
    /// HTTP basic authentication (`basic_auth_user` and `basic_auth_password_file`), the other
    /// scheme Prometheus' `basic_auth` speaks; exclusive with the bearer token.
    public var basicAuthUser: String = ""
    public var basicAuthPasswordFile: String = ""
    /// Networks (CIDR) of the Prometheus servers that scrape from other hosts
    /// (`scraper_networks`): what the systemd unit's drop-in must let in.
    public var scraperNetworks: [String] = []

    public init() {}

    /// TLS with a certificate of aegisd's own CA (no files of the operator's named).
    public var usesIssuedCertificate: Bool { tls && tlsCertFile.isEmpty && tlsKeyFile.isEmpty }
}
