/// How a child process ended.
public enum ExitStatus: Sendable, Equatable, CustomStringConvertible {
    case exited(Int32)
    case signaled(Int32)

    public var description: String {
        switch self {
        case .exited(let code): "exited with status \(code)"
        case .signaled(let signal):
            if let known = ProcessSignal(rawValue: signal) {
                "killed by signal \(signal) (\(known))"
            } else {
                "killed by signal \(signal)"
            }
        }
    }
}
