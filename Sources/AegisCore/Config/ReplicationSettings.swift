/// `[replication]`: this host as a primary that standbys copy, or as a standby of another host.
///
/// A primary admits PostgreSQL replication connections from `standby_networks` (and loopback)
/// only over TLS, with SCRAM and a client certificate of its CA; its Redis has a user that may
/// replicate and do nothing else. A standby copies each instance from the primary on its first
/// start and follows it from then on. The credentials a standby uses live in files under
/// `credentials_dir`, written by `aegisd config init --standby-of BUNDLE`, never in this file.
public struct ReplicationSettings: Sendable, Equatable {
    /// `primary` (the default) or `standby` (`role`).
    public var role: String = "primary"
    /// On a primary: networks (CIDR) of the standbys allowed to replicate (`standby_networks`).
    /// Loopback is always allowed.
    public var standbyNetworks: [String] = []
    /// On a primary: PostgreSQL's `max_slot_wal_keep_size`, in MiB (`max_slot_wal_keep_size_mb`):
    /// a standby that stays away longer than this much WAL loses its slot instead of filling the
    /// primary's disk.
    public var maxSlotWalKeepSizeMb: Int = 4096
    /// On a primary: commits wait until a standby has the WAL (`synchronous`).
    public var synchronous: Bool = false
    /// On a standby: the primary's host name, as its server certificates name it (`primary_host`).
    public var primaryHost: String = ""
    /// On a standby: the primary's ports (`primary_backend_port`, …, `primary_redis_port`).
    public var primaryBackendPort: Int = 0
    public var primaryAIPort: Int = 0
    public var primaryExecutorPort: Int = 0
    public var primaryRedisPort: Int = 0
    /// On a standby: the replication slot it uses on the primary, one per instance
    /// (`slot_name`, lower-case letters, digits and `_`).
    public var slotName: String = ""
    /// On a standby: the pairing credentials (CA, client certificate and key, passwords);
    /// empty means `<state_dir>/secrets/replication` (`credentials_dir`).
    public var credentialsDir: String = ""
    /// On a standby: services promoted to primaries by `aegisctl promote` (`promoted`): they no
    /// longer follow the primary, and a restart keeps them primaries.
    public var promoted: [String] = []

    public init() {}

    /// The services a standby's `promoted` may name.
    public static let promotable: [ServiceID] = [.postgresBackend, .postgresAI, .postgresExecutor, .redis]

    /// Whether `service` follows the primary: on a standby, unless it was promoted.
    public func follows(_ service: ServiceID) -> Bool {
        isStandby && !promoted.contains(service.rawValue)
    }

    public static let roles = ["primary", "standby"]

    /// Whether this host follows another one.
    public var isStandby: Bool { role == "standby" }

    /// The primary's port for one service (PostgreSQL instances and Redis; Loki has none).
    public func primaryPort(of service: ServiceID) -> Int {
        switch service {
        case .postgresBackend: primaryBackendPort
        case .postgresAI: primaryAIPort
        case .postgresExecutor: primaryExecutorPort
        case .redis: primaryRedisPort
        case .loki: 0
        }
    }

    /// Sets the primary's port of one service.
    public mutating func setPrimaryPort(_ port: Int, of service: ServiceID) {
        switch service {
        case .postgresBackend: primaryBackendPort = port
        case .postgresAI: primaryAIPort = port
        case .postgresExecutor: primaryExecutorPort = port
        case .redis: primaryRedisPort = port
        case .loki: break
        }
    }
}
