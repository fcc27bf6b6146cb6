/// Point-in-time recovery of one PostgreSQL instance, in `aegisctl pitr status` and
/// `aegisctl status --json` (`pitr` array).
public struct PITRStatus: Codable, Sendable, Equatable {
    public var service: String
    /// The stanza exists and `pgbackrest check` passed since this instance last became healthy.
    public var stanzaReady: Bool
    /// What went wrong last (stanza creation, check, the last base backup), if anything.
    public var problem: String?
    /// Base backups in repository 1, oldest first (as last read from `pgbackrest info`).
    public var backups: [PgBackRestInfo.Backup]
    /// The oldest and newest WAL segment archived.
    public var walMin: String?
    public var walMax: String?
    /// The times a restore can reach: from the end of the oldest backup to the newest archived
    /// WAL (seconds since the epoch); nil without a backup.
    public var windowStart: Int64?
    public var windowEnd: Int64?
    /// `pg_stat_archiver`: segments archived and failed since the statistics were reset.
    public var archivedCount: Int64?
    public var failedCount: Int64?
    public var lastArchivedAt: Int64?
    public var lastFailedAt: Int64?
    public var lastFailedWal: String?
    /// Seconds since the last segment was archived, when archiving is behind (a failure came
    /// after it); 0 when it is keeping up.
    public var archiveLagSeconds: Int64?
    /// Bytes in the instance's `pg_wal`: WAL waits there while archiving fails.
    public var walBytes: Int64?
    /// Seconds since the newest good base backup ended.
    public var newestBackupAgeSeconds: Int64?
    /// When the last PITR drill passed (seconds since the epoch), and why the last one failed
    /// when it did after that.
    public var lastDrillAt: Int64?
    public var lastDrillError: String?
    /// Each pgBackRest repository (1 local; 2 object storage when configured). Absent in
    /// replies of releases before repository 2.
    public var repositories: [PITRRepositoryStatus]?

    enum CodingKeys: String, CodingKey {
        case service, problem, backups
        case stanzaReady = "stanza_ready"
        case walMin = "wal_min"
        case walMax = "wal_max"
        case windowStart = "window_start"
        case windowEnd = "window_end"
        case archivedCount = "archived_count"
        case failedCount = "failed_count"
        case lastArchivedAt = "last_archived_at"
        case lastFailedAt = "last_failed_at"
        case lastFailedWal = "last_failed_wal"
        case archiveLagSeconds = "archive_lag_s"
        case newestBackupAgeSeconds = "newest_backup_age_s"
        case walBytes = "pg_wal_bytes"
        case lastDrillAt = "last_drill_at"
        case lastDrillError = "last_drill_error"
        case repositories
    }

    public init(service: String, stanzaReady: Bool = false, problem: String? = nil, backups: [PgBackRestInfo.Backup] = []) {
        self.service = service
        self.stanzaReady = stanzaReady
        self.problem = problem
        self.backups = backups
    }

    /// The window as text for people and refusal messages.
    public var windowText: String {
        guard let windowStart, let windowEnd else { return "no recoverable window yet (no base backup)" }
        return "\(RecoveryTime(secondsSinceEpoch: windowStart).target) … \(RecoveryTime(secondsSinceEpoch: windowEnd).target)"
    }

    /// Why `time` cannot be restored to, or nil when it lies inside the window.
    public func refusal(for time: RecoveryTime) -> String? {
        guard let windowStart, let windowEnd else {
            return "\(service) has no base backup yet, so there is nothing to restore to: take one with `aegisctl pitr backup \(service)`"
        }
        if time.secondsSinceEpoch < windowStart || time.secondsSinceEpoch > windowEnd {
            return "\(time.target) is outside the recoverable window of \(service): \(windowText)"
        }
        return nil
    }
}
