/// What a line edit of `aegisd.toml` needs to know of one line, without parsing the file: the
/// edits that rewrite a section in place (`PromotionEdit`, `RejoinEdit`) keep every comment and
/// every other line exactly as the operator wrote them, which a parse and re-render would not.
public enum TOMLLine {
    /// A table header (`[replication]`, `[postgres.backend]`).
    public static func isHeader(_ line: String) -> Bool { line.trimmingCharacters(in: " ").hasPrefix("[") }

    /// The key a `key = value` line sets; nil for comments, headers and blank lines.
    public static func key(_ line: String) -> String? {
        let trimmed = line.trimmingCharacters(in: " ")
        guard !trimmed.hasPrefix("#"), let equals = trimmed.firstIndex(of: "=") else { return nil }
        return String(trimmed[..<equals]).trimmingCharacters(in: " ")
    }
}
