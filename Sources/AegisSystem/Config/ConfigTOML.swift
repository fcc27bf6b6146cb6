import AegisCore
import TOMLKit

/// Parses TOML text into the core's `ConfigValue` tree. The only file that knows TOMLKit.
public enum ConfigTOML {
    /// The document's top-level table. A syntax error becomes one issue with TOMLKit's position.
    public static func parse(_ text: String, file: String) throws(ConfigError) -> [String: ConfigValue] {
        if let problem = TOMLInputGuard.problem(in: text) {
            throw ConfigError(file: file, issues: [ConfigIssue(path: "", reason: problem)])
        }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            let position = error.source.begin
            throw ConfigError(file: file, issues: [ConfigIssue(
                path: "", reason: "line \(position.line), column \(position.column): \(error.description)")])
        } catch {
            throw ConfigError(file: file, issues: [ConfigIssue(path: "", reason: "cannot parse the file: \(error)")])
        }
        return convert(table)
    }

    private static func convert(_ table: TOMLTable) -> [String: ConfigValue] {
        var result: [String: ConfigValue] = [:]
        for (key, value) in table {
            result[key] = convert(value)
        }
        return result
    }

    private static func convert(_ value: any TOMLValueConvertible) -> ConfigValue {
        switch value.type {
        case .table: .table(value.table.map(convert) ?? [:])
        case .array: .array(value.array.map { $0.map(convert) } ?? [])
        case .string: .string(value.string ?? "")
        case .int: .integer(value.int ?? 0)
        case .double: .float(value.double ?? 0)
        case .bool: .bool(value.bool ?? false)
        case .date, .time, .dateTime: .datetime(value.debugDescription)
        }
    }
}
