/// One versioned, forward-only schema change of one database. Its text is compiled into aegisd
/// (so the static binary is self-contained) and never edited once released: a change is a new
/// migration with the next version. The checksum of the text is recorded when it is applied.
public struct Migration: Sendable, Equatable {
    /// 1, 2, 3… per database; applied in this order.
    public let version: Int
    /// The file-like name shown in errors and `aegisctl migrate status`: `0001_backend_schema.sql`.
    public let name: String
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        precondition(version > 0, "migration versions start at 1")
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// SHA-256 of the SQL text, lower-case hex.
    public var checksum: String { SHA256Digest.hex(sql) }
}

/// A row of `aegis_schema_migrations`: what a database says was applied to it.
public struct AppliedMigration: Sendable, Equatable, Codable {
    public var version: Int
    public var name: String
    public var checksum: String
    /// As PostgreSQL printed it (ISO 8601 with zone).
    public var appliedAt: String

    enum CodingKeys: String, CodingKey {
        case version, name, checksum
        case appliedAt = "applied_at"
    }

    public init(version: Int, name: String, checksum: String, appliedAt: String) {
        self.version = version
        self.name = name
        self.checksum = checksum
        self.appliedAt = appliedAt
    }
}
