/// Why a cron expression was rejected: which field, the text at fault and the reason, so that
/// `config check` can print `backup.schedule: hour: 24 is out of range 0-23`.
public struct CronParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The field at fault; nil when the expression as a whole is wrong (field count, macro).
    public let field: CronField.Kind?
    /// The offending text: a value, a list item, or the whole expression.
    public let text: String
    /// A sentence fragment that already quotes `text` where that helps.
    public let reason: String

    public init(field: CronField.Kind?, text: String, reason: String) {
        self.field = field
        self.text = text
        self.reason = reason
    }

    /// `hour: 24 is out of range 0-23`, or the bare reason for whole-expression errors.
    public var description: String {
        field.map { "\($0.rawValue): \(reason)" } ?? reason
    }
}
