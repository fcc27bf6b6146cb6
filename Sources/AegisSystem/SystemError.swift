import Glibc

/// A failure of the operating system or the world outside, with a message that says what to do.
public struct SystemError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    /// "what: strerror(errno)" for the current `errno`.
    public static func errno(_ what: String, _ code: Int32 = Glibc.errno) -> SystemError {
        SystemError("\(what): \(String(cString: strerror(code)))")
    }

    public var description: String { message }

    /// A peer said nothing before the deadline: hung, stopped or overloaded.
    public static let deadline = SystemError("no answer within the deadline")

    public var isDeadline: Bool { message.hasPrefix(Self.deadline.message) }
}
