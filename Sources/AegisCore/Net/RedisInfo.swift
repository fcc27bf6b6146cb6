/// The text of Redis's `INFO` as its fields: `# Section` headers and blank lines skipped,
/// `key:value` lines split at the first colon, `\r\n` or `\n` line ends.
public enum RedisInfo {
    /// Key → value. Read byte by byte rather than by `Character`: `/metrics` and status readings
    /// parse several kilobytes of it every few seconds, and grapheme breaking of that text was
    /// most of what a reading cost aegisd.
    public static func fields(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for raw in text.utf8.split(separator: UInt8(ascii: "\n")) {
            let line = raw.last == UInt8(ascii: "\r") ? raw.dropLast() : raw
            guard line.first != UInt8(ascii: "#"), let colon = line.firstIndex(of: UInt8(ascii: ":")) else { continue }
            fields[String(decoding: line[..<colon], as: UTF8.self)] =
                String(decoding: line[line.index(after: colon)...], as: UTF8.self)
        }
        return fields
    }
}
