/// Where everything lives under the state directory. One place computes the paths so that the
/// drivers, `config init`, `config check` and the tests agree on them.
public struct StateLayout: Sendable, Equatable {
    public let root: String

    public init(root: String) {
        self.root = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
    }

    public var dataDir: String { "\(root)/data" }
    public var secretsDir: String { "\(root)/secrets" }
    public var runDir: String { "\(root)/run" }
    public var backupsDir: String { "\(root)/backups" }
    public var certsDir: String { "\(root)/certs" }
    public var spoolDir: String { "\(root)/spool" }
    public var configDir: String { "\(root)/conf" }

    /// The data directory of one service (a PostgreSQL cluster, Redis's RDB/AOF, Loki's chunks).
    public func dataDir(of service: ServiceID) -> String { "\(dataDir)/\(service.rawValue)" }
    /// Generated configuration files of one service (redis.conf, loki.yaml).
    public func configDir(of service: ServiceID) -> String { "\(configDir)/\(service.rawValue)" }
    /// Unix sockets and pid files of one service.
    public func runDir(of service: ServiceID) -> String { "\(runDir)/\(service.rawValue)" }
    /// The default password file of a service.
    public func passwordFile(of service: ServiceID) -> String { "\(secretsDir)/\(service.rawValue).password" }
    /// The password of an app service's Redis ACL user (`RedisACL`).
    public func redisPasswordFile(of app: PostgresInstance) -> String { "\(secretsDir)/redis-\(app.rawValue).password" }
    /// pgBackRest's repository 1: every PostgreSQL instance's stanza, base backups and WAL.
    public var pgBackRestRepoDir: String { "\(root)/pgbackrest" }
    /// WAL waiting to be pushed to the repository (asynchronous archiving), per instance.
    public func pgBackRestSpoolDir(of service: ServiceID) -> String { "\(root)/pgbackrest-spool/\(service.rawValue)" }
    /// The generated cipher passphrase of pgBackRest's repository 1.
    public var pgBackRestCipherFile: String { "\(secretsDir)/pgbackrest-repo1.cipher" }
    /// Held (flock) by the one aegisd running on this state directory.
    public var lockFile: String { "\(runDir)/aegisd.lock" }
    /// The generated cipher passphrase of pgBackRest's repository 2 (object storage).
    public var pgBackRestRepo2CipherFile: String { "\(secretsDir)/pgbackrest-repo2.cipher" }
    /// The control socket `config init` writes into the configuration.
    public var defaultSocket: String { "\(runDir)/aegisd.sock" }
}
