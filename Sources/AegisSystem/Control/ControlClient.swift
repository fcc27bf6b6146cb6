import AegisCore
import Glibc

/// The client end of the control protocol: one request, one reply, then hang up. Blocking (it
/// serves a command-line tool), but every wait is bounded by `timeout`.
public enum ControlClient {
    /// Replies longer than this are refused; a status report is a few KiB.
    static let maxReplyBytes = 16 * 1024 * 1024

    /// Sends `request` to the daemon listening on `socketPath` and returns its reply (which may
    /// itself be an error reply: check `ok`).
    public static func send(
        _ request: ControlRequest, socketPath: String, timeout: Duration
    ) throws(ControlClientError) -> ControlReply {
        guard !socketPath.isEmpty, socketPath.utf8.count <= UnixSocket.maxPathBytes else {
            throw .invalidSocketPath(socketPath, reason: "Unix socket paths are 1 to \(UnixSocket.maxPathBytes) bytes")
        }
        let deadline = ContinuousClock.now + timeout
        let fd: Int32
        do { fd = try UnixSocket.makeStream() } catch { throw .io("\(error)") }
        defer { close(fd) }

        let connected = UnixSocket.connect(fd, path: socketPath, deadline: deadline)
        switch connected {
        case 0: break
        case ENOENT: throw .notReachable(socketPath: socketPath, reason: "no such socket file")
        case ECONNREFUSED: throw .notReachable(socketPath: socketPath, reason: "nothing is listening (connection refused)")
        case ENOTDIR: throw .notReachable(socketPath: socketPath, reason: "a parent of the path is not a directory")
        case EACCES, EPERM: throw .permissionDenied(socketPath: socketPath, group: socketGroupName(socketPath))
        case ETIMEDOUT: throw .timedOut(socketPath: socketPath, timeout: timeout)
        default: throw .io(UnixSocket.Failure(operation: "connect \(socketPath)", code: connected).description)
        }

        // EPIPE is not fatal: the daemon may have answered and closed already (a refusal).
        if let code = UnixSocket.sendAll(fd, ControlCodec.encode(request), deadline: deadline), code != EPIPE {
            if code == ETIMEDOUT { throw .timedOut(socketPath: socketPath, timeout: timeout) }
            throw .io(UnixSocket.Failure(operation: "send", code: code).description)
        }

        var reader = SocketLineReader(limit: maxReplyBytes)
        switch reader.next(from: fd, deadline: deadline) {
        case .line(let line):
            do { return try ControlCodec.decodeReply(line) } catch { throw .protocolError(error.message) }
        case .end, .stopped:
            throw .protocolError("the daemon closed the connection without replying")
        case .oversize:
            throw .protocolError("reply larger than \(maxReplyBytes) bytes")
        case .timedOut:
            throw .timedOut(socketPath: socketPath, timeout: timeout)
        case .failed(let code):
            throw .io(UnixSocket.Failure(operation: "recv", code: code).description)
        }
    }

    /// The name of the group owning the socket file, to tell a refused user which group to join.
    private static func socketGroupName(_ path: String) -> String? {
        guard let info = UnixSocket.status(of: path) else { return nil }
        var entry = group()
        var result: UnsafeMutablePointer<group>?
        var storage = [CChar](repeating: 0, count: 4096)
        guard getgrgid_r(info.st_gid, &entry, &storage, storage.count, &result) == 0, result != nil,
            let name = entry.gr_name
        else { return nil }
        return String(cString: name)
    }
}
