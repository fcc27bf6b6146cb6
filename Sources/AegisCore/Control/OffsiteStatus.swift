/// One service's off-host copies in `aegisctl status --json` (`backups[].offsite`).
public struct OffsiteStatus: Codable, Sendable, Equatable {
    /// When the newest backup that has an off-host copy was uploaded.
    public var lastSuccessAt: UTCTimestamp?
    /// The file of that copy.
    public var lastSuccessFile: String?
    /// Complete local backups still waiting for their upload.
    public var pending: Int
    /// Why the last upload failed, while backups are pending.
    public var lastError: String?
    /// When the next try is due, while backups are pending.
    public var nextAttemptAt: UTCTimestamp?
    /// When a restore drill on another host (`aegisctl verify … --remote`, where the identity
    /// is) last proved one of this service's off-host copies restorable, from the
    /// `STEM.verified.json` it wrote beside the copy.
    public var lastVerifiedAt: UTCTimestamp?

    public init(
        lastSuccessAt: UTCTimestamp? = nil, lastSuccessFile: String? = nil, pending: Int = 0, lastError: String? = nil,
        nextAttemptAt: UTCTimestamp? = nil, lastVerifiedAt: UTCTimestamp? = nil
    ) {
        self.lastVerifiedAt = lastVerifiedAt
        self.lastSuccessAt = lastSuccessAt
        self.lastSuccessFile = lastSuccessFile
        self.pending = pending
        self.lastError = lastError
        self.nextAttemptAt = nextAttemptAt
    }

    enum CodingKeys: String, CodingKey {
        case pending
        case lastSuccessAt = "last_success_at"
        case lastSuccessFile = "last_success_file"
        case lastError = "last_error"
        case nextAttemptAt = "next_attempt_at"
        case lastVerifiedAt = "last_verified_at"
    }
}
