/// One pgBackRest repository of an instance in `aegisctl pitr status`: where it is, whether
/// pgBackRest can read it, what it holds, and why its last base backup failed.
public struct PITRRepositoryStatus: Codable, Sendable, Equatable {
    /// 1 (local, `<state_dir>/pgbackrest`) or 2 (object storage).
    public var repo: Int
    /// `/var/lib/aegis/pgbackrest`, or `s3://BUCKET/PATH at ENDPOINT`.
    public var location: String
    /// pgBackRest could read the repository when status was last read.
    public var readable: Bool
    /// pgBackRest's words when it could not.
    public var error: String?
    /// Good base backups held there, and when the newest ended (seconds since the epoch).
    public var backupCount: Int
    public var newestBackupAt: Int64?
    /// The newest WAL segment archived there.
    public var walMax: String?
    /// Why the last base backup into this repository failed, until one succeeds.
    public var lastBackupError: String?

    enum CodingKeys: String, CodingKey {
        case repo, location, readable, error
        case backupCount = "backup_count"
        case newestBackupAt = "newest_backup_at"
        case walMax = "wal_max"
        case lastBackupError = "last_backup_error"
    }

    public init(repo: Int, location: String, readable: Bool = true, error: String? = nil, backupCount: Int = 0,
                newestBackupAt: Int64? = nil, walMax: String? = nil, lastBackupError: String? = nil) {
        self.repo = repo
        self.location = location
        self.readable = readable
        self.error = error
        self.backupCount = backupCount
        self.newestBackupAt = newestBackupAt
        self.walMax = walMax
        self.lastBackupError = lastBackupError
    }

    /// One line for people: `repo2 s3://… at …: 2 base backups, newest …, WAL to …` or its error.
    public var summary: String {
        var text = "repo\(repo) \(location): "
        if !readable { text += "UNREADABLE: \(error ?? "pgBackRest could not read it")" } else {
            text += "\(backupCount) base backup\(backupCount == 1 ? "" : "s")"
            if let newestBackupAt { text += ", newest \(RecoveryTime(secondsSinceEpoch: newestBackupAt).target)" }
            text += ", WAL up to \(walMax ?? "none")"
        }
        if let lastBackupError { text += "; last base backup failed: \(lastBackupError)" }
        return text
    }
}
