/// A backup file's name, one directory per service with the format in the name:
/// `backups/postgres-backend/backend_20261128_020000.sql.gz.age`,
/// `backups/redis/redis_20261128_020000.rdb.gz.age` (`.gz` alone when encryption is `none`).
/// The time is UTC, so names sort by time.
public struct BackupName: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let service: ServiceID
    public let createdAt: UTCTimestamp
    public let encrypted: Bool

    public init(service: ServiceID, createdAt: UTCTimestamp, encrypted: Bool) {
        self.service = service
        self.createdAt = createdAt
        self.encrypted = encrypted
    }

    /// The part before the time stamp: the instance name for PostgreSQL (`backend`), as the original docker-compose deployment's scripts named them.
    public static func prefix(of service: ServiceID) -> String {
        service.postgresInstance?.rawValue ?? service.rawValue
    }

    /// `sql` for a PostgreSQL dump, `rdb` for a Redis snapshot.
    public static func payloadExtension(of service: ServiceID) -> String {
        service.kind == .postgres ? "sql" : "rdb"
    }

    /// `backend_20261128_020000`: shared by the backup and its manifest.
    public var stem: String { "\(Self.prefix(of: service))_\(createdAt.fileStamp)" }

    /// The backup file's name.
    public var fileName: String { "\(stem).\(Self.payloadExtension(of: service)).gz" + (encrypted ? ".age" : "") }

    /// The manifest beside it.
    public var manifestName: String { "\(stem).manifest.json" }

    /// The name the file has while it is written; never mistaken for a backup, removed when
    /// found after a crash.
    public var temporaryName: String { ".\(fileName).partial" }

    public var description: String { fileName }

    /// Parses a backup file name of `service`; nil for anything else (manifests, temp files,
    /// files an operator dropped there).
    public init?(fileName: String, service: ServiceID) {
        let prefix = Self.prefix(of: service) + "_"
        guard fileName.hasPrefix(prefix) else { return nil }
        let rest = fileName.dropFirst(prefix.count)
        let stamp = String(rest.prefix(15))
        let suffix = rest.dropFirst(15)
        let plain = ".\(Self.payloadExtension(of: service)).gz"
        guard let createdAt = UTCTimestamp(fileStamp: stamp), suffix == plain || suffix == plain + ".age" else {
            return nil
        }
        self.init(service: service, createdAt: createdAt, encrypted: suffix.hasSuffix(".age"))
    }

    public static func < (lhs: BackupName, rhs: BackupName) -> Bool {
        (lhs.createdAt, lhs.fileName) < (rhs.createdAt, rhs.fileName)
    }
}
