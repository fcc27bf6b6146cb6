/// One thing wrong with a configuration: the key's dotted path and why it is wrong.
public struct ConfigIssue: Sendable, Equatable, CustomStringConvertible {
    /// Dotted key path, e.g. `postgres.backend.port`; empty for the file as a whole.
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { path.isEmpty ? reason : "\(path): \(reason)" }
}

/// A configuration that cannot be used, with every issue found (not just the first).
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var issues: [ConfigIssue]

    public init(file: String, issues: [ConfigIssue]) {
        self.file = file
        self.issues = issues
    }

    public var description: String {
        "\(file): \(issues.count) problem\(issues.count == 1 ? "" : "s"):\n"
            + issues.map { "  - \($0)" }.joined(separator: "\n")
    }
}
