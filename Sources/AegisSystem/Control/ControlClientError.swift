/// Why `ControlClient.send` got no reply. Each case says what the operator can do about it;
/// `aegisctl` maps them to its exit codes.
public enum ControlClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Nothing answers on the socket: no file, nobody listening (ENOENT, ECONNREFUSED).
    case notReachable(socketPath: String, reason: String)
    /// The socket exists but this user may not connect (EACCES). `group` names the socket's group
    /// when it could be read, so the message can say which group to join.
    case permissionDenied(socketPath: String, group: String?)
    /// The daemon took longer than the timeout to reply.
    case timedOut(socketPath: String, timeout: Duration)
    /// The daemon's answer was not a control protocol reply (or it hung up without one).
    case protocolError(String)
    /// The socket path itself cannot be used (too long, empty).
    case invalidSocketPath(String, reason: String)
    /// Any other socket failure.
    case io(String)

    public var description: String {
        switch self {
        case .notReachable(let path, let reason):
            "cannot reach aegisd at \(path): \(reason). Is aegisd running? Try `systemctl status aegisd`."
        case .permissionDenied(let path, let group):
            if let group {
                "permission denied connecting to \(path); it is open to root and the group `\(group)`. "
                    + "Add your user to it (`sudo usermod -aG \(group) $USER`, then log in again) or run as root."
            } else {
                "permission denied connecting to \(path). Add your user to the control socket group "
                    + "(daemon.socket_group in aegisd.toml) or run as root."
            }
        case .timedOut(let path, let timeout):
            "aegisd at \(path) did not reply within \(timeout.components.seconds) s; it may still be carrying out the request"
        case .protocolError(let message):
            "unexpected reply from aegisd: \(message)"
        case .invalidSocketPath(let path, let reason):
            "invalid socket path \(path): \(reason)"
        case .io(let message):
            "control socket: \(message)"
        }
    }
}
