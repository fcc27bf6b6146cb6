/// Where a backup's off-host copy is, recorded in its manifest once the file and then the
/// manifest were uploaded and the file's size and hash read back from the store matched.
public struct OffsiteCopy: Codable, Sendable, Equatable {
    /// The rclone remote path the copy is under (`[offsite] remote` at upload time): a copy
    /// under another remote does not count once the operator points aegisd elsewhere.
    public var remote: String
    public var uploadedAt: UTCTimestamp
    /// The hash the store reported for the file, lower-case hex, of the kind in `hashType`.
    public var hash: String
    /// `md5`: the one hash S3-compatible stores (SeaweedFS, MinIO, AWS) report for every object
    /// through rclone; the manifest's SHA-256 still authenticates the file on restore.
    public var hashType: String

    public init(remote: String, uploadedAt: UTCTimestamp, hash: String, hashType: String = "md5") {
        self.remote = remote
        self.uploadedAt = uploadedAt
        self.hash = hash
        self.hashType = hashType
    }

    enum CodingKeys: String, CodingKey {
        case remote, hash
        case uploadedAt = "uploaded_at"
        case hashType = "hash_type"
    }
}
