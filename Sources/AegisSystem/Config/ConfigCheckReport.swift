import AegisCore

/// What `config check` found: errors make the configuration unusable; warnings do not (a missing
/// Loki only makes the `loki` service `unavailable`).
public struct ConfigCheckReport: Sendable, Equatable {
    public var errors: [ConfigIssue]
    public var warnings: [ConfigIssue]

    public init(errors: [ConfigIssue] = [], warnings: [ConfigIssue] = []) {
        self.errors = errors
        self.warnings = warnings
    }

    public var isUsable: Bool { errors.isEmpty }

    /// Loads and validates the file, then checks it against this machine.
    public static func check(path: String, environment: ConfigEnvironmentCheck = ConfigEnvironmentCheck()) -> ConfigCheckReport {
        do {
            return environment.run(try ConfigLoader.load(path: path))
        } catch {
            return ConfigCheckReport(errors: error.issues)
        }
    }
}
