/// One backup as `aegisctl backups list --json` and `aegisctl backup --json` show it: at least
/// `name`, `path`, `created_at`, `size`, `verified_at` (the contract); extend freely.
public struct BackupReport: Codable, Sendable, Equatable {
    public var service: String
    public var name: String
    public var path: String
    public var createdAt: UTCTimestamp
    public var size: Int64
    /// `complete`, `failed`, or `unknown` for a file without a readable manifest.
    public var status: String
    public var verifiedAt: UTCTimestamp?
    public var error: String?
    public var plainSize: Int64?
    public var durationSeconds: Int64?
    public var encryption: String?
    /// The off-host copy, once uploaded and checked.
    public var offsite: OffsiteCopy?
    /// True while off-host copies are on and this complete backup has none yet.
    public var offsitePending: Bool?
    /// Why the last upload of this pending backup failed (it is retried with backoff).
    public var offsiteError: String?
    /// `backups prune --dry-run`: `remove` or `keep`, and the retention rule that decides.
    public var retention: String?
    public var retentionReason: String?

    enum CodingKeys: String, CodingKey {
        case service, name, path, size, status, error, encryption
        case createdAt = "created_at"
        case verifiedAt = "verified_at"
        case plainSize = "plain_size"
        case durationSeconds = "duration_s"
        case offsite
        case offsitePending = "offsite_pending"
        case offsiteError = "offsite_error"
        case retention
        case retentionReason = "retention_reason"
    }

    public init(
        service: String, name: String, path: String, createdAt: UTCTimestamp, size: Int64, status: String,
        verifiedAt: UTCTimestamp? = nil, error: String? = nil, plainSize: Int64? = nil,
        durationSeconds: Int64? = nil, encryption: String? = nil
    ) {
        self.service = service
        self.name = name
        self.path = path
        self.createdAt = createdAt
        self.size = size
        self.status = status
        self.verifiedAt = verifiedAt
        self.error = error
        self.plainSize = plainSize
        self.durationSeconds = durationSeconds
        self.encryption = encryption
    }

    /// `verified_at` must appear as `null` when never verified, not be left out.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(service, forKey: .service)
        try c.encode(name, forKey: .name)
        try c.encode(path, forKey: .path)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(size, forKey: .size)
        try c.encode(status, forKey: .status)
        try c.encode(verifiedAt, forKey: .verifiedAt)
        try c.encodeIfPresent(error, forKey: .error)
        try c.encodeIfPresent(plainSize, forKey: .plainSize)
        try c.encodeIfPresent(durationSeconds, forKey: .durationSeconds)
        try c.encodeIfPresent(encryption, forKey: .encryption)
        try c.encodeIfPresent(offsite, forKey: .offsite)
        try c.encodeIfPresent(offsitePending, forKey: .offsitePending)
        try c.encodeIfPresent(offsiteError, forKey: .offsiteError)
        try c.encodeIfPresent(retention, forKey: .retention)
        try c.encodeIfPresent(retentionReason, forKey: .retentionReason)
    }
}
