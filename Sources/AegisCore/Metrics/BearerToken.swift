/// The token `/metrics` requires (`[metrics] bearer_token_file`) and the check of a request's
/// `Authorization` header against it, in time independent of where they differ.
public struct BearerToken: Sendable, Equatable {
    private let bytes: [UInt8]

    /// The file's content without surrounding whitespace; nil when that is empty.
    public init?(fileContent: String) {
        let token = fileContent.trimmingWhitespace()
        guard !token.isEmpty else { return nil }
        bytes = Array(token.utf8)
    }

    /// True when `header` (the value of `Authorization`) is `Bearer <token>`.
    public func admits(_ header: String?) -> Bool {
        guard let header else { return false }
        let parts = header.trimmingWhitespace().split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return false }
        return ConstantTime.equal(Array(parts[1].trimmingWhitespace().utf8), bytes)
    }
}
