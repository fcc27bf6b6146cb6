/// The Redis users aegisd configures (issue #3, isolation): the default user is off; `aegisd`
/// is the admin that aegisd itself uses (health checks, backups, restores); one user per app
/// service is confined to its own key prefix and channels and denied every `@dangerous`
/// command (FLUSHALL, FLUSHDB, CONFIG, DEBUG, SHUTDOWN, MODULE, KEYS, …).
///
/// Passwords appear in redis.conf only as SHA-256 hashes (`#<hex>`), so the file gives none
/// of them away; the clear text lives in the secret files.
public enum RedisACL {
    /// aegisd's own user.
    public static let adminUser = "aegisd"

    /// The app users: `backend`, `ai`, `executor`, named like the PostgreSQL instances.
    public static func appUser(_ app: PostgresInstance) -> String { app.rawValue }

    /// The key and channel prefix an app user is confined to (`backend:*`).
    public static func prefix(_ app: PostgresInstance) -> String { "\(app.rawValue):" }

    /// The `user` lines of redis.conf. `hashes` are lower-case hex SHA-256 of each password.
    /// `replicatorHash`: on a primary, the user standbys replicate as, allowed the replication
    /// handshake and stream (`PSYNC`, `REPLCONF`, `PING`) and nothing else: no key, no channel.
    public static func userLines(adminHash: String, appHashes: [PostgresInstance: String], replicatorHash: String? = nil) -> [String] {
        var lines = [
            "user default off resetkeys resetchannels nocommands",
            "user \(adminUser) on #\(adminHash) ~* &* +@all",
        ]
        for app in PostgresInstance.allCases {
            guard let hash = appHashes[app] else { continue }
            lines.append("user \(appUser(app)) on #\(hash) resetkeys resetchannels ~\(prefix(app))* &\(prefix(app))* +@all -@dangerous")
        }
        if let replicatorHash {
            lines.append("user \(ReplicationCredentials.redisUser) on #\(replicatorHash) resetkeys resetchannels -@all +psync +replconf +ping")
        }
        return lines
    }
}
