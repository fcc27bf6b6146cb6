/// Where the pairing credentials live: on the primary, the passwords of its replication users;
/// on a standby, what `config init --standby-of` took from the bundle. Every file is a secret
/// (mode 0600); none of them is ever put in the configuration, argv, the environment or a log.
public struct ReplicationCredentials: Sendable, Equatable {
    /// The PostgreSQL role standbys replicate as (REPLICATION LOGIN, nothing else).
    public static let postgresRole = "aegis_replicator"
    /// The Redis ACL user a standby's Redis replicates as (`+psync +replconf +ping` only).
    public static let redisUser = "aegis_replicator"

    /// The directory of a standby's credentials.
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// `[replication] credentials_dir`, or `<state_dir>/secrets/replication` when it is empty.
    public init(config: AegisConfig) {
        let configured = config.replication.credentialsDir
        self.init(directory: configured.isEmpty ? "\(config.layout.secretsDir)/replication" : configured)
    }

    /// The primary's CA certificate (PEM): verifies the primary's servers.
    public var caCertificate: String { "\(directory)/primary-ca.crt" }
    /// The client certificate the primary's CA issued to `aegis_replicator`.
    public var clientCertificate: String { "\(directory)/client.crt" }
    public var clientKey: String { "\(directory)/client.key" }
    /// The SCRAM password of `aegis_replicator` on the primary's PostgreSQL instances.
    public var postgresPassword: String { "\(directory)/postgres.password" }
    /// The password of `aegis_replicator` on the primary's Redis.
    public var redisPassword: String { "\(directory)/redis.password" }

    /// On a primary: the password of its PostgreSQL replication role, generated on first start.
    public static func primaryPostgresPassword(_ layout: StateLayout) -> String { "\(layout.secretsDir)/replicator.password" }
    /// On a primary: the password of its Redis replication user, generated on first start.
    public static func primaryRedisPassword(_ layout: StateLayout) -> String { "\(layout.secretsDir)/redis-replicator.password" }
}
