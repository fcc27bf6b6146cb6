/// Why the control socket could not be opened. The message is meant for the operator as is.
public struct ControlServerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable for callers that need to tell the cases apart.
    public enum Code: Sendable, Equatable {
        /// Another process (most likely another aegisd) answers on the socket path.
        case alreadyRunning
        /// The path is too long, is not a socket, or its directory cannot be made.
        case unusablePath
        /// A system call failed.
        case system
    }

    public var code: Code
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
