/// Reads the severity a server wrote into its own line.
///
/// - PostgreSQL (`log_line_prefix` then `LEVEL:  text`): `DEBUG1-5`, `LOG`, `INFO`, `NOTICE`,
///   `WARNING`, `ERROR`, `FATAL`, `PANIC`, and the continuation tags `DETAIL`, `HINT`, …
/// - Redis (`pid:role dd Mon yyyy hh:mm:ss.mmm X text`): `.` debug, `-` verbose, `*` notice, `#` warning.
/// - Loki and other logfmt/JSON writers: `level=error`, `"level":"error"`.
///
/// Unknown shapes are `info`: a line must never be promoted to an error by guesswork.
public enum LogLevelParser {
    public static func level(of line: String) -> LogLevel {
        let bytes = Array(line.utf8.prefix(512))
        if let level = postgresLevel(bytes) { return level }
        if let level = keyValueLevel(line) { return level }
        if let level = redisLevel(bytes) { return level }
        return .info
    }

    /// PostgreSQL's severity word is followed by a colon and two spaces (`ERROR:  `).
    static func postgresLevel(_ bytes: [UInt8]) -> LogLevel? {
        guard let colon = find(bytes, Array(":  ".utf8)) else { return nil }
        var start = colon
        while start > 0, isUpperOrDigit(bytes[start - 1]) { start -= 1 }
        guard start < colon else { return nil }
        let word = String(decoding: bytes[start..<colon], as: UTF8.self)
        return postgresSeverity(word)
    }

    /// The level a PostgreSQL severity word stands for; nil when it is not one.
    public static func postgresSeverity(_ word: String) -> LogLevel? {
        switch word {
        case "PANIC": .emergency
        case "FATAL": .critical
        case "ERROR": .error
        case "WARNING": .warning
        case "NOTICE": .notice
        case "LOG", "INFO", "STATEMENT", "DETAIL", "HINT", "CONTEXT", "QUERY", "LOCATION": .info
        default: word.hasPrefix("DEBUG") ? .debug : nil
        }
    }

    /// `level=warn` (logfmt, Loki and Promtail) or `"level":"warn"` (JSON).
    static func keyValueLevel(_ line: String) -> LogLevel? {
        let value: Substring
        if let range = line.range(of: "level=") {
            var rest = line[range.upperBound...]
            if rest.first == "\"" { rest = rest.dropFirst() }
            value = rest.prefix { $0.isLetter }
        } else if let range = line.range(of: "\"level\":") {
            value = line[range.upperBound...].drop { $0 == " " || $0 == "\"" }.prefix { $0.isLetter }
        } else {
            return nil
        }
        return named(String(value))
    }

    /// A level name as logfmt and JSON loggers write it, any case.
    public static func named(_ name: String) -> LogLevel? {
        switch name.lowercased() {
        case "emerg", "emergency", "panic": .emergency
        case "alert": .alert
        case "crit", "critical", "fatal": .critical
        case "err", "error", "eror": .error
        case "warn", "warning": .warning
        case "notice": .notice
        case "info", "information": .info
        case "debug", "trace", "dbug": .debug
        default: nil
        }
    }

    /// Redis: `1234:M 28 Nov 2026 17:00:00.123 # text`; the marker follows the time.
    static func redisLevel(_ bytes: [UInt8]) -> LogLevel? {
        // "<digits>:<role letter> " at the start marks a Redis line.
        var index = 0
        while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        guard index > 0, index + 2 < bytes.count, bytes[index] == UInt8(ascii: ":"),
              bytes[index + 2] == UInt8(ascii: " ")
        else { return nil }
        // The marker is the first single-character word after the time (which has a '.').
        var cursor = index + 3
        while cursor + 2 < bytes.count {
            if bytes[cursor] == UInt8(ascii: " "), bytes[cursor + 2] == UInt8(ascii: " ") {
                switch bytes[cursor + 1] {
                case UInt8(ascii: "."), UInt8(ascii: "-"): return .debug
                case UInt8(ascii: "*"): return .notice
                case UInt8(ascii: "#"): return .warning
                default: break
                }
            }
            cursor += 1
        }
        return nil
    }

    private static func find(_ haystack: [UInt8], _ needle: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if Array(haystack[start..<start + needle.count]) == needle { return start }
        }
        return nil
    }

    private static func isDigit(_ byte: UInt8) -> Bool { (48...57).contains(byte) }
    private static func isUpperOrDigit(_ byte: UInt8) -> Bool { (65...90).contains(byte) || isDigit(byte) }
}
