import AegisCore

/// Reads `aegisd.toml` from disk into a validated `AegisConfig`.
public enum ConfigLoader {
    /// Reads, parses, decodes and validates the file. Throws `ConfigError` naming every bad key
    /// (or the one reason the file cannot be read or parsed).
    public static func load(path: String) throws(ConfigError) -> AegisConfig {
        let text: String
        do {
            text = try ConfigFileIO.read(path)
        } catch {
            throw ConfigError(file: path, issues: [ConfigIssue(path: "", reason: error.message)])
        }
        return try load(text: text, file: path)
    }

    /// Parses, decodes and validates TOML text; `file` names its origin in the error.
    public static func load(text: String, file: String) throws(ConfigError) -> AegisConfig {
        try ConfigDecoder.decodeValidated(ConfigTOML.parse(text, file: file), file: file)
    }
}
