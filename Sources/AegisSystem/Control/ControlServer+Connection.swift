import AegisCore
import Foundation
import Glibc
import Synchronization

extension ControlServer {
    /// Serves one connection on its own thread: check the peer, then answer each request line
    /// with one reply line until the client closes, goes quiet for `ioTimeout`, or misbehaves.
    func serve(connection fd: Int32) {
        guard let peer = PeerCredentials.of(fd) else {
            logger.warning("control socket: cannot read the peer's credentials; closing")
            return
        }
        let allowed = ControlPeerPolicy.isAllowed(
            uid: peer.uid, gid: peer.gid, groups: peer.groups, daemonUID: geteuid(), socketGroup: socketGroup)
        var reader = SocketLineReader(limit: ControlProtocol.maxRequestBytes)
        while true {
            let event = reader.next(from: fd, deadline: .now + Self.ioTimeout, shouldStop: { isStopping })
            let reply: ControlReply
            switch event {
            case .line where !allowed:
                // Answered only after the request arrived, so the client reads a reply instead
                // of a write error; the request itself is not even parsed.
                logger.warning("control socket: refused a peer outside the socket group", metadata: ["peer": "\(peer)"])
                _ = UnixSocket.sendAll(fd, ControlCodec.encode(Self.denied), deadline: .now + Self.ioTimeout)
                return
            case .line(let line):
                switch ControlCodec.decodeRequest(line) {
                case .request(let request): reply = answer(request)
                case .reject(let rejection): reply = rejection
                }
            case .oversize:
                let rejection = ControlReply.failure(.badRequest, "request larger than \(ControlProtocol.maxRequestBytes) bytes")
                _ = UnixSocket.sendAll(fd, ControlCodec.encode(rejection), deadline: .now + Self.ioTimeout)
                return
            case .timedOut(partial: true):
                let rejection = ControlReply.failure(
                    .badRequest, "incomplete request: no newline within \(Self.ioTimeout.components.seconds) seconds")
                _ = UnixSocket.sendAll(fd, ControlCodec.encode(rejection), deadline: .now + .milliseconds(100))
                return
            case .timedOut(partial: false), .end, .stopped:
                return
            case .failed(let code):
                logger.debug("control connection failed", metadata: ["error": "\(UnixSocket.Failure(operation: "recv", code: code))"])
                return
            }
            if let code = UnixSocket.sendAll(fd, ControlCodec.encode(reply), deadline: .now + Self.ioTimeout) {
                logger.debug("control reply not delivered", metadata: ["error": "\(UnixSocket.Failure(operation: "send", code: code))"])
                return
            }
        }
    }

    private static var denied: ControlReply {
        .failure(
            .permissionDenied,
            "permission denied: only root, the daemon's user and members of the control socket group may use aegisd's control socket")
    }

    /// Runs the async handler from this (non-pool) thread and waits for it. Blocking here is
    /// fine: this thread belongs to the connection, and the handler runs on the pool.
    private func answer(_ request: ControlRequest) -> ControlReply {
        let box = ReplyBox()
        let done = DispatchSemaphore(value: 0)
        let handler = self.handler
        Task {
            let reply = await handler(request)
            box.reply.withLock { $0 = reply }
            done.signal()
        }
        done.wait()
        return box.reply.withLock { $0 } ?? .failure(.failed, "the daemon produced no reply")
    }
}

/// Carries the handler's reply from its task back to the connection thread.
private final class ReplyBox: Sendable {
    let reply = Mutex<ControlReply?>(nil)
}
