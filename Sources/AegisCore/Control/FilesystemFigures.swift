/// Space on the filesystem holding `path` (statvfs: what an unprivileged user may still use),
/// for `aegisctl status` and `/metrics`.
public struct FilesystemFigures: Codable, Sendable, Equatable {
    public var path: String
    public var availableBytes: Double
    public var sizeBytes: Double

    enum CodingKeys: String, CodingKey {
        case path
        case availableBytes = "avail_bytes"
        case sizeBytes = "size_bytes"
    }

    public init(path: String, availableBytes: Double, sizeBytes: Double) {
        self.path = path
        self.availableBytes = availableBytes
        self.sizeBytes = sizeBytes
    }

    /// Free space in percent of the filesystem (0 for a filesystem of size 0).
    public var freePercent: Double { sizeBytes > 0 ? availableBytes / sizeBytes * 100 : 0 }
}
