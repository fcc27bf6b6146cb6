import AegisCore
import Foundation
import Glibc

/// Reads `[logs]`'s tenant and credential files into `LokiCredentials`: at start, at every
/// reload (a rotated password is taken without a restart), and in `config check`.
///
/// A secret file must not be readable by others (0600, or 0640 with a group that only aegisd's
/// account is in, e.g. `root:aegis` under /etc/aegis). Its contents are trimmed of surrounding
/// whitespace (a trailing newline is what editors and `echo` leave), as Promtail does, and never
/// appear in an error or a log line.
public enum LokiCredentialFiles {
    /// The credentials `logs` names; `.none` when it names none.
    public static func load(_ logs: LogsSettings) throws(LokiCredentialError) -> LokiCredentials {
        var credentials = LokiCredentials(tenant: logs.lokiTenant.isEmpty ? nil : logs.lokiTenant)
        if !logs.lokiBearerTokenFile.isEmpty {
            let token = try secret(at: logs.lokiBearerTokenFile, key: "loki_bearer_token_file", bearer: true)
            credentials.authorization = .bearer(token: token)
        } else if !logs.lokiUsername.isEmpty || !logs.lokiPasswordFile.isEmpty {
            let password = try secret(at: logs.lokiPasswordFile, key: "loki_password_file", bearer: false)
            credentials.authorization = .basic(username: logs.lokiUsername, password: password)
        }
        return credentials
    }

    /// The trimmed secret in the file at `path`, after its permissions are checked.
    static func secret(at path: String, key: String, bearer: Bool) throws(LokiCredentialError) -> String {
        func fail(_ problem: String) -> LokiCredentialError { LokiCredentialError(key: key, reason: problem) }
        var info = stat()
        guard stat(path, &info) == 0 else {
            let reason = String(cString: strerror(errno))
            throw fail("cannot read \(path): \(reason); write the secret into it (chmod 600) or change logs.\(key)")
        }
        guard info.st_mode & S_IFMT == S_IFREG else { throw fail("\(path) is not a regular file") }
        if info.st_mode & 0o007 != 0 {
            throw fail("\(path) is open to others (mode \(String(info.st_mode & 0o777, radix: 8))); run `chmod o-rwx \(path)` "
                + "(0600 owned by aegisd's account, or 0640 with its group)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw fail("cannot read \(path): permission denied for this user; it must be readable by aegisd's account")
        }
        let secret = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if let problem = LokiCredentials.secretProblem(secret, bearer: bearer) { throw fail("\(path) \(problem)") }
        return secret
    }
}

/// Why a tenant or credential file cannot be used; names the key and the file, never the secret.
public struct LokiCredentialError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The `[logs]` key, e.g. `loki_password_file`.
    public var key: String
    public var reason: String
    public init(key: String, reason: String) {
        self.key = key
        self.reason = reason
    }
    public var description: String { "logs.\(key): \(reason)" }
}
