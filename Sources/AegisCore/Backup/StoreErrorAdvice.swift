/// What a failed rclone command means for the operator, read from rclone's error output. rclone
/// passes on the store's own words ("Forbidden", "InternalError: We encountered an internal
/// error, please try again."), which rarely say what to do: this names the cause when the
/// output shows it, and what to check.
public enum StoreErrorAdvice: Sendable, Equatable {
    /// The store is out of space or over a quota (MinIO's `XMinioStorageFull`, HTTP 507, Ceph's
    /// and B2's quota codes, a disk that says "no space left").
    case full
    /// The store refused the credentials.
    case credentialsRefused
    /// Any other server-side error (HTTP 5xx). SeaweedFS answers a write to a full disk with a
    /// plain 500 `InternalError`, so a full store is one of the causes to check.
    case serverError(status: Int)

    /// Words of stores that are out of space or over a quota. Checked before the refusals:
    /// some stores (Ceph, B2) send an exceeded quota as 403.
    static let fullSigns = [
        "StorageFull", "InsufficientStorage", "status code: 507", "QuotaExceeded", "storage_cap_exceeded",
        "no space left on device", "No free volumes", "no free volumes",
    ]
    static let refusalSigns = ["status code: 403", "status code: 401", "SignatureDoesNotMatch", "InvalidAccessKeyId", "AccessDenied"]

    /// The cause `output` (rclone's standard error) shows, if it shows one.
    public static func classify(_ output: String) -> StoreErrorAdvice? {
        if fullSigns.contains(where: output.contains) { return .full }
        if refusalSigns.contains(where: output.contains) { return .credentialsRefused }
        if let status = httpStatus(in: output), (500...599).contains(status) { return .serverError(status: status) }
        return nil
    }

    /// The sentence put before rclone's own words.
    /// - Parameter configFile: `offsite.rclone_config`, named where the fix is in it.
    public func text(configFile: String) -> String {
        switch self {
        case .full:
            "the store is full or over its quota: free space in the store or raise its quota"
        case .credentialsRefused:
            "the store refused the credentials (check the access key and secret in offsite.rclone_config \(configFile))"
        case .serverError(let status):
            "the store answered with a server error (HTTP \(status)); a store whose disk is full answers so (SeaweedFS does): "
                + "check the store's free space and its own logs"
        }
    }

    /// The last `status code: NNN` rclone printed (the S3 backend's form).
    static func httpStatus(in output: String) -> Int? {
        let marker = "status code: "
        var found: Int?
        var rest = Substring(output)
        while let range = rest.range(of: marker) {
            let digits = rest[range.upperBound...].prefix { $0.isASCII && $0.isNumber }
            if digits.count == 3 { found = Int(digits) }
            rest = rest[range.upperBound...]
        }
        return found
    }
}
