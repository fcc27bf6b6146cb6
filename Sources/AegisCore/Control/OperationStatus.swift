/// A backup, restore or drill in progress, in `aegisctl status --json` (`activity` array):
/// what `aegisctl backup --follow` prints as it goes.
public struct OperationStatus: Codable, Sendable, Equatable {
    public var service: String
    /// `backup`, `restore` or `verify`.
    public var operation: String
    /// What it is doing now, e.g. `dumping`, `authenticating`, `loading`.
    public var phase: String
    /// Bytes before compression (dumped, or decompressed so far).
    public var plainBytes: Int64
    /// Bytes of the backup file (written, or read so far).
    public var storedBytes: Int64
    /// Seconds since the phase began.
    public var elapsedSeconds: Double

    enum CodingKeys: String, CodingKey {
        case service, operation, phase
        case plainBytes = "plain_bytes"
        case storedBytes = "stored_bytes"
        case elapsedSeconds = "elapsed_s"
    }

    public init(service: String, operation: String, phase: String, plainBytes: Int64, storedBytes: Int64, elapsedSeconds: Double) {
        self.service = service
        self.operation = operation
        self.phase = phase
        self.plainBytes = plainBytes
        self.storedBytes = storedBytes
        self.elapsedSeconds = elapsedSeconds
    }
}
