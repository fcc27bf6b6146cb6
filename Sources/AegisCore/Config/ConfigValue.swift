/// A parsed configuration document, independent of the file format's library.
///
/// The adapter that reads TOML converts its parser's tree into this one, so the decoder and the
/// validator stay pure and can be tested with literal values instead of files.
public indirect enum ConfigValue: Sendable, Equatable {
    case string(String)
    case integer(Int)
    case float(Double)
    case bool(Bool)
    case array([ConfigValue])
    case table([String: ConfigValue])
    /// A TOML date, time or date-time, kept as its text: no key of aegisd takes one, so the
    /// decoder only needs to say that it is the wrong type.
    case datetime(String)

    /// The kind of value with its article, for messages like "expected an integer, found a string".
    public var kindDescription: String {
        switch self {
        case .string: "a string"
        case .integer: "an integer"
        case .float: "a floating-point number"
        case .bool: "a boolean"
        case .array: "an array"
        case .table: "a table"
        case .datetime: "a date-time"
        }
    }
}
