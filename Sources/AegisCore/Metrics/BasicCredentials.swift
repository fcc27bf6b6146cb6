import Foundation

/// The user and password `/metrics` requires with HTTP basic authentication (`[metrics]
/// basic_auth_user`, `basic_auth_password_file`), and the check of a request's `Authorization`
/// header against them in time independent of where they differ.
public struct BasicCredentials: Sendable, Equatable {
    /// `user:password`, the form the header carries once decoded (RFC 7617).
    private let expected: [UInt8]

    /// The password is the file's content without surrounding whitespace, as Prometheus reads
    /// its own `password_file`; nil when that is empty.
    public init?(user: String, passwordFileContent: String) {
        let password = passwordFileContent.trimmingWhitespace()
        guard !user.isEmpty, !password.isEmpty else { return nil }
        expected = Array("\(user):\(password)".utf8)
    }

    /// True when `header` (the value of `Authorization`) is `Basic base64(user:password)`.
    public func admits(_ header: String?) -> Bool {
        guard let header else { return false }
        let parts = header.trimmingWhitespace().split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "basic",
              let decoded = Data(base64Encoded: String(parts[1].trimmingWhitespace()))
        else { return false }
        return ConstantTime.equal(Array(decoded), expected)
    }
}
