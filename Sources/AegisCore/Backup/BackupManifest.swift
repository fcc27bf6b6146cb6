/// The JSON file beside each backup: what it holds and whether it can be trusted. Written once
/// when the backup completes (or fails), rewritten when a restore drill verifies it.
public struct BackupManifest: Codable, Sendable, Equatable {
    /// Where a backup stands.
    public enum Status: String, Codable, Sendable {
        /// Written, fsynced and renamed into place: usable.
        case complete
        /// The backup failed; the manifest stays for a while to say why, the file never existed.
        case failed
    }

    /// Bumped when a field changes meaning.
    public var format: Int = 1
    public var service: ServiceID
    /// The file name (no directory), e.g. `backend_20261128_020000.sql.gz.age`.
    public var file: String
    /// The database dumped (PostgreSQL) or nil (Redis).
    public var database: String?
    public var status: Status
    /// Why the backup failed (`failed` only).
    public var error: String?
    public var startedAt: UTCTimestamp
    public var finishedAt: UTCTimestamp
    /// Bytes of the file as stored (after compression and encryption).
    public var size: Int64
    /// Bytes of the dump or snapshot before compression.
    public var plainSize: Int64
    /// Bytes after compression, before encryption.
    public var compressedSize: Int64
    /// SHA-256 of the stored file, lower-case hex: detects bit rot and tampering before any key
    /// is needed.
    public var sha256: String
    /// `x25519`, `passphrase` or `none`.
    public var encryption: String
    /// The age recipients (x25519), so an operator knows which key decrypts it.
    public var recipients: [String]
    /// The server's version (`15.18`, `7.0.15`).
    public var serverVersion: String
    /// Exact row counts per table (`schema.table`) in the dump's snapshot; for Redis the key
    /// count per database (`db0`). Restore drills compare against these.
    public var rowCounts: [String: Int64]
    /// When a restore drill last restored this file and found the same row counts.
    public var verifiedAt: UTCTimestamp?
    /// Why the last restore drill failed, if it did.
    public var verifyError: String?
    /// When a restore drill of this file last failed (kept after a later pass: the alert
    /// compares it with `verifiedAt`).
    public var verifyFailedAt: UTCTimestamp?
    /// The off-host copy, once uploaded and checked (`[offsite]`); nil while none exists.
    public var offsite: OffsiteCopy?

    public init(
        service: ServiceID, file: String, database: String?, status: Status, error: String? = nil,
        startedAt: UTCTimestamp, finishedAt: UTCTimestamp, size: Int64 = 0, plainSize: Int64 = 0,
        compressedSize: Int64 = 0, sha256: String = "", encryption: String, recipients: [String] = [],
        serverVersion: String = "", rowCounts: [String: Int64] = [:]
    ) {
        self.service = service
        self.file = file
        self.database = database
        self.status = status
        self.error = error
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.size = size
        self.plainSize = plainSize
        self.compressedSize = compressedSize
        self.sha256 = sha256
        self.encryption = encryption
        self.recipients = recipients
        self.serverVersion = serverVersion
        self.rowCounts = rowCounts
    }

    enum CodingKeys: String, CodingKey {
        case format, service, file, database, status, error
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case size
        case plainSize = "plain_size"
        case compressedSize = "compressed_size"
        case sha256, encryption, recipients
        case serverVersion = "server_version"
        case rowCounts = "row_counts"
        case verifiedAt = "verified_at"
        case verifyError = "verify_error"
        case verifyFailedAt = "verify_failed_at"
        case offsite
    }
}
