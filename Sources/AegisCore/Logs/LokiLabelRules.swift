import Foundation

/// Loki's labels for an entry: `job`, `service`, `host`, `level`, plus the values of configured
/// keys found in a JSON line (by default `status` and `level`), the way Promtail's `json` and
/// `labels` stages did.
///
/// Label names follow Prometheus's rule `[a-zA-Z_][a-zA-Z0-9_]*` (other characters become `_`,
/// a leading digit gets a `_` in front; names starting with `__` are reserved and refused).
/// Values are cut to `maxValueBytes`: an unbounded label value is a cardinality accident.
public struct LokiLabelRules: Sendable, Equatable {
    /// JSON keys whose string or number values become labels.
    public var jsonKeys: [String]
    public var host: String
    public var maxValueBytes = 128

    public init(jsonKeys: [String], host: String) {
        self.jsonKeys = jsonKeys
        self.host = host
    }

    /// The label set of `entry` from `job` (and `service` for aegisd's children).
    public func labels(job: String, service: String?, entry: LogEntry) -> [String: String] {
        var labels = ["job": job, "host": host, "level": entry.level.lokiName]
        if let service { labels["service"] = service }
        for (key, value) in jsonLabels(of: entry.line) {
            // A JSON `level` wins over the parsed one, normalized the same way.
            if key == "level", let level = LogLevelParser.named(value) {
                labels["level"] = level.lokiName
            } else {
                labels[key] = value
            }
        }
        return labels
    }

    /// The configured keys found at the top level of a JSON object line, names sanitized.
    public func jsonLabels(of line: String) -> [(String, String)] {
        guard !jsonKeys.isEmpty, line.first == "{",
              let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        else { return [] }
        var found: [(String, String)] = []
        for key in jsonKeys {
            guard let name = Self.sanitizedName(key), let raw = object[key] else { continue }
            let value: String
            switch raw {
            case let text as String: value = text
            case let number as NSNumber: value = number.stringValue
            default: continue
            }
            guard !value.isEmpty else { continue }
            found.append((name, Self.truncated(value, maxBytes: maxValueBytes)))
        }
        return found
    }

    /// A valid Prometheus label name for `name`, or nil when none can be made (empty, reserved).
    public static func sanitizedName(_ name: String) -> String? {
        guard !name.isEmpty, !name.hasPrefix("__") else { return nil }
        var out = ""
        for (index, scalar) in name.unicodeScalars.enumerated() {
            let isLetter = ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || scalar == "_"
            let isDigit = ("0"..."9").contains(scalar)
            if index == 0, isDigit { out += "_" }
            out.unicodeScalars.append(isLetter || isDigit ? scalar : "_")
        }
        return out.hasPrefix("__") ? nil : out
    }

    /// `value` cut to at most `maxBytes` of UTF-8, on a character boundary.
    static func truncated(_ value: String, maxBytes: Int) -> String {
        guard value.utf8.count > maxBytes else { return value }
        var out = ""
        var bytes = 0
        for character in value {
            bytes += character.utf8.count
            if bytes > maxBytes { break }
            out.append(character)
        }
        return out
    }

    /// Why `name` cannot be used as a configured JSON label key, or nil.
    public static func keyProblem(_ name: String) -> String? {
        if name.isEmpty { return "must not be empty" }
        if name.hasPrefix("__") { return "\"\(name)\": label names starting with __ are reserved by Loki" }
        return nil
    }
}
