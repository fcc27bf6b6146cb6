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
        var line = line
        // One pass over the bytes (of the first 512), no Foundation searching: this runs for
        // every line every child prints.
        return line.withUTF8 { all in
            let bytes = UnsafeBufferPointer(rebasing: all.prefix(512))
            if let level = postgresLevel(bytes) { return level }
            if let level = keyValueLevel(bytes) { return level }
            if let level = redisLevel(bytes) { return level }
            return .info
        }
    }

    /// PostgreSQL's severity word is followed by a colon and two spaces (`ERROR:  `).
    static func postgresLevel(_ bytes: UnsafeBufferPointer<UInt8>) -> LogLevel? {
        guard let colon = find(bytes, ":  ") else { return nil }
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
    static func keyValueLevel(_ bytes: UnsafeBufferPointer<UInt8>) -> LogLevel? {
        var start: Int
        if let found = find(bytes, "level=") {
            start = found + 6
        } else if let found = find(bytes, "\"level\":") {
            start = found + 8
            while start < bytes.count, bytes[start] == UInt8(ascii: " ") { start += 1 }
        } else {
            return nil
        }
        if start < bytes.count, bytes[start] == UInt8(ascii: "\"") { start += 1 }
        var end = start
        while end < bytes.count, isLetter(bytes[end]) { end += 1 }
        return named(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self))
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
    static func redisLevel(_ bytes: UnsafeBufferPointer<UInt8>) -> LogLevel? {
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

    /// The offset of `needle` (ASCII) in `haystack`.
    private static func find(_ haystack: UnsafeBufferPointer<UInt8>, _ needle: StaticString) -> Int? {
        let count = needle.utf8CodeUnitCount
        guard haystack.count >= count else { return nil }
        let first = needle.utf8Start[0]
        var start = 0
        while start <= haystack.count - count {
            if haystack[start] == first {
                var index = 1
                while index < count, haystack[start + index] == needle.utf8Start[index] { index += 1 }
                if index == count { return start }
            }
            start += 1
        }
        return nil
    }

    private static func isLetter(_ byte: UInt8) -> Bool { (65...90).contains(byte) || (97...122).contains(byte) }
    private static func isDigit(_ byte: UInt8) -> Bool { (48...57).contains(byte) }
    private static func isUpperOrDigit(_ byte: UInt8) -> Bool { (65...90).contains(byte) || isDigit(byte) }
}
