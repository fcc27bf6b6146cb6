/// Text that must never be shown, such as an age identity sent over the control socket.
///
/// It encodes as a plain JSON string, but every description of it (string interpolation,
/// `print`, `dump`, `debugPrint`) gives only its length, so a request or an error that carries
/// one can be logged or echoed without leaking it. Read the text itself through `revealed`,
/// where it is used, and nowhere else.
public struct SecretText: Codable, Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// The secret itself.
    public let revealed: String

    public init(_ text: String) { revealed = text }

    public init(from decoder: any Decoder) throws {
        revealed = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(revealed)
    }

    public var description: String { "<secret, \(revealed.utf8.count) bytes, not shown>" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
