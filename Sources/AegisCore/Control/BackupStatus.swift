/// One service's backups in `aegisctl status --json` (`backups` array): the last success, the
/// last failure with its reason, the age of the newest backup, and whether that is too old.
public struct BackupStatus: Codable, Sendable, Equatable {
    public var service: String
    public var lastSuccessAt: UTCTimestamp?
    public var lastSuccessFile: String?
    public var lastFailureAt: UTCTimestamp?
    public var lastFailureReason: String?
    /// Seconds since the newest complete backup was taken.
    public var newestAgeSeconds: Int64?
    /// Older than twice the schedule's period (or none after the first scheduled run).
    public var stale: Bool
    public var lastVerifiedAt: UTCTimestamp?
    /// When the newest restore drill of the service's backups failed, and why; nil once a
    /// later drill passed.
    public var lastDrillFailureAt: UTCTimestamp?
    public var lastDrillError: String?
    /// How long the last successful backup took, in seconds.
    public var lastDurationSeconds: Int64?
    /// The size of the last successful backup's file, in bytes.
    public var lastSizeBytes: Int64?
    /// The off-host copies (`[offsite]`); nil when off-host copies are off.
    public var offsite: OffsiteStatus?
    /// Why this host takes no backups of the service (a standby: the primary takes them).
    public var skipped: String?

    enum CodingKeys: String, CodingKey {
        case service, stale
        case lastSuccessAt = "last_success_at"
        case lastSuccessFile = "last_success_file"
        case lastFailureAt = "last_failure_at"
        case lastFailureReason = "last_failure_reason"
        case newestAgeSeconds = "newest_age_s"
        case lastVerifiedAt = "last_verified_at"
        case lastDrillFailureAt = "last_drill_failure_at"
        case lastDrillError = "last_drill_error"
        case lastDurationSeconds = "last_duration_s"
        case lastSizeBytes = "last_size_bytes"
        case offsite, skipped
    }

    public init(
        service: String, lastSuccessAt: UTCTimestamp? = nil, lastSuccessFile: String? = nil,
        lastFailureAt: UTCTimestamp? = nil, lastFailureReason: String? = nil, newestAgeSeconds: Int64? = nil,
        stale: Bool = false, lastVerifiedAt: UTCTimestamp? = nil
    ) {
        self.service = service
        self.lastSuccessAt = lastSuccessAt
        self.lastSuccessFile = lastSuccessFile
        self.lastFailureAt = lastFailureAt
        self.lastFailureReason = lastFailureReason
        self.newestAgeSeconds = newestAgeSeconds
        self.stale = stale
        self.lastVerifiedAt = lastVerifiedAt
    }

    /// A failure after the last success, or staleness: what status should warn about.
    public var warning: String? {
        if let failed = lastFailureAt, lastSuccessAt.map({ failed > $0 }) ?? true {
            return "\(service): last backup failed: \(lastFailureReason ?? "unknown reason")"
        }
        if drillFailedLast {
            return "\(service): last restore drill failed: \(lastDrillError ?? "unknown reason")"
        }
        if let offsite, let error = offsite.lastError, offsite.pending > 0 {
            return "\(service): \(offsite.pending) backup(s) not yet copied off the host: \(error)"
        }
        if stale {
            return lastSuccessAt == nil ? "\(service): no backup yet" : "\(service): newest backup is \(newestAgeSeconds.map { "\($0 / 3600) h" } ?? "too") old"
        }
        return nil
    }

    /// The newest drill failed: no drill passed since (what `AegisBackupDrillFailed` says).
    /// aegisd clears the failure when a later drill passes, so a failure in the same second
    /// as the last pass is the newer of the two.
    public var drillFailedLast: Bool {
        guard let failed = lastDrillFailureAt else { return false }
        return lastVerifiedAt.map { failed >= $0 } ?? true
    }
}
