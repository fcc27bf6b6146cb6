/// Everything needed to spawn one child process.
public struct LaunchSpec: Sendable, Equatable {
    /// Absolute path of the program.
    public var executable: String
    public var arguments: [String]
    /// The complete environment: children do not inherit aegisd's (it may hold secrets).
    public var environment: [String: String]
    public var workingDirectory: String?
    public var account: ServiceAccount

    public init(
        executable: String, arguments: [String], environment: [String: String] = LaunchSpec.baseEnvironment,
        workingDirectory: String? = nil, account: ServiceAccount
    ) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.account = account
    }

    public static let baseEnvironment: [String: String] = [
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TZ": "UTC",
    ]

    /// For log lines: the program and its arguments.
    public var commandLine: String { ([executable] + arguments).joined(separator: " ") }
}

/// Which pipe a line came from.
public enum OutputStreamKind: String, Sendable {
    case stdout
    case stderr
}
