import Foundation

/// What a push to a remote Loki carries besides its body, as Promtail sends it: the tenant
/// (`X-Scope-OrgID`) and either basic auth or a bearer token (`Authorization`).
///
/// The secrets are read from files by the system layer; this value only turns them into
/// headers. Its `description` never shows them: it may end up in a log line.
public struct LokiCredentials: Sendable, Equatable, CustomStringConvertible {
    public enum Authorization: Sendable, Equatable {
        case basic(username: String, password: String)
        case bearer(token: String)
    }

    /// The tenant, or nil to send no `X-Scope-OrgID` (a single-tenant Loki).
    public var tenant: String?
    public var authorization: Authorization?

    public init(tenant: String? = nil, authorization: Authorization? = nil) {
        self.tenant = tenant
        self.authorization = authorization
    }

    /// No header at all: the supervised Loki, or a remote one without authentication.
    public static let none = LokiCredentials()

    /// The request headers, in a fixed order.
    public var headers: [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = []
        if let tenant { headers.append(("X-Scope-OrgID", tenant)) }
        switch authorization {
        case .basic(let username, let password)?:
            headers.append(("Authorization", "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()))
        case .bearer(let token)?:
            headers.append(("Authorization", "Bearer \(token)"))
        case nil:
            break
        }
        return headers
    }

    /// What is sent, without the secrets: `tenant acme, basic auth as shipper`.
    public var description: String {
        var parts: [String] = []
        if let tenant { parts.append("tenant \(tenant)") }
        switch authorization {
        case .basic(let username, _)?: parts.append("basic auth as \(username)")
        case .bearer?: parts.append("a bearer token")
        case nil: break
        }
        return parts.isEmpty ? "no credentials" : parts.joined(separator: ", ")
    }

    /// Why `tenant` is not a Loki tenant ID, or nil: Loki accepts at most 150 characters from
    /// letters, digits and `!-_.*'()`, and neither `.` nor `..`.
    public static func tenantProblem(_ tenant: String) -> String? {
        let allowed = Set("!-_.*'()")
        if tenant.utf8.count > 150 { return "is longer than Loki's 150 characters for a tenant ID" }
        if tenant == "." || tenant == ".." { return "\"\(tenant)\" is not a valid tenant ID" }
        let bad = tenant.unicodeScalars.first { !($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || allowed.contains(Character($0)))) }
        return bad.map { "\"\(tenant)\" contains \"\($0)\"; a Loki tenant ID holds letters, digits and !-_.*'() only" }
    }

    /// Why `username` cannot be sent in basic auth, or nil: no colon (it ends the user name),
    /// no control characters.
    public static func usernameProblem(_ username: String) -> String? {
        if username.contains(":") { return "must not contain a colon (basic auth separates user and password with it)" }
        if username.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "must not contain control characters"
        }
        return nil
    }

    /// Why a secret read from a file (already trimmed) cannot be sent, or nil. A bearer token
    /// goes into the header as it is, so it must be one line of visible characters; a password
    /// is base64-encoded and may hold anything but must not be empty.
    public static func secretProblem(_ secret: String, bearer: Bool) -> String? {
        if secret.isEmpty { return "is empty" }
        if bearer, secret.unicodeScalars.contains(where: { !$0.isASCII || $0.value < 0x21 || $0.value == 0x7F }) {
            return "holds spaces, control or non-ASCII characters: a bearer token is one line of visible ASCII characters"
        }
        return nil
    }
}
