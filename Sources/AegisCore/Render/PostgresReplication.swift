/// What `[replication]` adds to one PostgreSQL instance's files: on a primary the WAL bound,
/// synchronous commit and the `replication` lines of pg_hba; on a standby the connection to
/// the primary and its slot.
public enum PostgresReplication: Sendable, Equatable {
    case primary(PrimarySide)
    case standby(StandbySide)

    /// A primary's side.
    public struct PrimarySide: Sendable, Equatable {
        /// Networks (CIDR) standbys replicate from, beside loopback.
        public var standbyNetworks: [String]
        public var maxSlotWalKeepSizeMb: Int
        public var synchronous: Bool

        public init(standbyNetworks: [String], maxSlotWalKeepSizeMb: Int, synchronous: Bool) {
            self.standbyNetworks = standbyNetworks
            self.maxSlotWalKeepSizeMb = maxSlotWalKeepSizeMb
            self.synchronous = synchronous
        }
    }

    /// A standby's side: where the primary is and the files that prove who it is and who we are.
    public struct StandbySide: Sendable, Equatable {
        public var host: String
        public var port: Int
        public var user: String
        public var slotName: String
        /// The primary's CA, the client certificate and key, and a 0600 passfile: the password
        /// is in no connection string.
        public var rootCertificate: String
        public var certificate: String
        public var key: String
        public var passFile: String
        /// The standby's own name in the primary's pg_stat_replication.
        public var applicationName: String

        public init(host: String, port: Int, user: String, slotName: String, rootCertificate: String, certificate: String,
                    key: String, passFile: String, applicationName: String) {
            self.host = host
            self.port = port
            self.user = user
            self.slotName = slotName
            self.rootCertificate = rootCertificate
            self.certificate = certificate
            self.key = key
            self.passFile = passFile
            self.applicationName = applicationName
        }

        /// libpq's key=value connection string, verify-full against the primary's CA.
        public var conninfo: String {
            [("host", host), ("port", String(port)), ("user", user), ("application_name", applicationName),
             ("sslmode", "verify-full"), ("sslrootcert", rootCertificate), ("sslcert", certificate), ("sslkey", key),
             ("passfile", passFile), ("connect_timeout", "10")]
                .map { "\($0.0)=\(Self.conninfoValue($0.1))" }.joined(separator: " ")
        }

        /// A line of a PostgreSQL password file for the primary (any database: replication).
        public func passFileLine(password: String) -> String {
            [host, String(port), "*", user, password].map(Self.passFileField).joined(separator: ":") + "\n"
        }

        /// A conninfo value, quoted when it holds spaces, quotes or backslashes.
        static func conninfoValue(_ value: String) -> String {
            guard value.isEmpty || value.contains(where: { $0 == " " || $0 == "'" || $0 == "\\" }) else { return value }
            return "'" + value.replacing("\\", with: "\\\\").replacing("'", with: "\\'") + "'"
        }

        /// A passfile field: `:` and `\` escaped with a backslash.
        static func passFileField(_ value: String) -> String {
            value.replacing("\\", with: "\\\\").replacing(":", with: "\\:")
        }
    }

    /// The lines of postgresql.conf.
    public var postgresqlSettings: String {
        switch self {
        case .primary(let side):
            return """
                wal_level = replica
                max_wal_senders = 10
                max_replication_slots = 10
                max_slot_wal_keep_size = '\(side.maxSlotWalKeepSizeMb)MB'
                synchronous_standby_names = '\(side.synchronous ? "*" : "")'
                """
        case .standby(let side):
            return """
                hot_standby = on
                hot_standby_feedback = on
                primary_conninfo = '\(side.conninfo.replacing("'", with: "''"))'
                primary_slot_name = '\(side.slotName)'
                """
        }
    }

    /// pg_hba lines admitting replication: the replication role alone, over TLS, by SCRAM and
    /// a client certificate whose CN is the role, from loopback and the standby networks. A
    /// standby admits none (it is not copied from), and without TLS there are none. Beside the
    /// replication lines, the same role may reach the `postgres` database alone: `pg_rewind`
    /// reads the files of the primary through SQL there when an old primary rejoins
    /// (`RewindGrants`: it may call those functions and nothing more).
    public func pgHbaLines(tls: Bool) -> [String] {
        guard tls, case .primary(let side) = self else { return [] }
        let loopback = ["127.0.0.1/32", "::1/128"]
        let networks = side.standbyNetworks.compactMap { try? IPNetwork($0).description }
        let sources = loopback + networks.filter { !loopback.contains($0) }
        return ["replication", "postgres   "].flatMap { database in
            sources.map {
                "hostssl \(database)   \(ReplicationCredentials.postgresRole)   \($0)   scram-sha-256 clientcert=verify-full"
            }
        }
    }

    /// What `pg_rewind` calls on its source server, granted to the replication role on a
    /// primary (it is no superuser): the functions that list and read the data directory.
    public static let rewindGrants = [
        "pg_catalog.pg_ls_dir(text, boolean, boolean)", "pg_catalog.pg_stat_file(text, boolean)",
        "pg_catalog.pg_read_binary_file(text)", "pg_catalog.pg_read_binary_file(text, bigint, bigint, boolean)",
    ]

    /// The replication of one instance that `config` describes.
    public static func of(_ instance: PostgresInstance, config: AegisConfig, applicationName: String) -> PostgresReplication {
        let replication = config.replication
        guard replication.follows(instance.serviceID) else {
            return .primary(PrimarySide(
                standbyNetworks: replication.standbyNetworks, maxSlotWalKeepSizeMb: replication.maxSlotWalKeepSizeMb,
                synchronous: replication.synchronous))
        }
        let service = instance.serviceID
        let files = StandbyFiles(layout: config.layout, service: service)
        return .standby(StandbySide(
            host: replication.primaryHost, port: replication.primaryPort(of: service), user: ReplicationCredentials.postgresRole,
            slotName: replication.slotName, rootCertificate: files.rootCertificate, certificate: files.certificate,
            key: files.key, passFile: files.passFile, applicationName: applicationName))
    }
}

/// The copies of a standby's credentials one service reads, in its own config directory and
/// owned by its account (the server reads them; the originals stay aegisd's).
public struct StandbyFiles: Sendable, Equatable {
    public let directory: String

    public init(layout: StateLayout, service: ServiceID) {
        directory = "\(layout.configDir(of: service))/replication"
    }

    public var rootCertificate: String { "\(directory)/primary-ca.crt" }
    public var certificate: String { "\(directory)/client.crt" }
    public var key: String { "\(directory)/client.key" }
    public var passFile: String { "\(directory)/pgpass" }
}
