import AegisCore
import Foundation
import Glibc
import Logging
import Synchronization

/// The daemon's end of the control socket: a Unix stream socket that answers one JSON line per
/// request line (see `ControlProtocol`), asking `handler` for every well-formed request.
///
/// Blocking calls never run on Swift's cooperative pool: one dedicated thread accepts (asleep
/// in `poll()` until a client or the stop arrives), and each connection gets a thread of its own
/// so a slow or silent client cannot hold up anyone else. Only `handler` runs as async code.
///
/// ```swift
/// let server = ControlServer(path: config.daemon.socket, socketGroup: gid, handler: answer, logger: log)
/// try server.listen()          // optional: fail fast (e.g. another aegisd is running)
/// try await server.run()       // serves until the task is cancelled, then removes the socket
/// ```
public final class ControlServer: Sendable {
    /// Answers one request; called concurrently for concurrent connections.
    public typealias Handler = @Sendable (ControlRequest) async -> ControlReply

    /// Connections served at once (a thread each). Beyond this many, newcomers wait in the
    /// socket's listen backlog, and beyond that in `connect()`, each within its own timeout,
    /// until a connection ends: a flood of clients cannot exhaust the daemon's threads, and is
    /// served in turn rather than refused.
    public static let maxConnections = 32
    /// How long a client may take to send a complete request line (and to take its reply).
    public static let ioTimeout: Duration = .seconds(5)

    public let path: String
    public let socketGroup: gid_t?
    let handler: Handler
    let logger: Logger
    let state = Mutex(State())
    let stopping = Atomic<Bool>(false)
    /// Signalled when a connection ends while the accept loop waits for a free slot.
    let slotFreed = DispatchSemaphore(value: 0)

    /// - Parameters:
    ///   - path: Where the socket lives (`daemon.socket`); its directory is created if missing.
    ///   - socketGroup: Members of this group may use the socket; when running as root the socket
    ///     is chowned to root:socketGroup. `nil`: only root and the daemon's own user.
    ///   - handler: Answers requests that passed decoding and the peer check.
    ///   - logger: Where refusals and failures are reported.
    public init(path: String, socketGroup: gid_t?, handler: @escaping Handler, logger: Logger) {
        self.path = path
        self.socketGroup = socketGroup
        self.handler = handler
        self.logger = logger
    }

    /// Creates, binds and listens on the socket now, so the caller can fail before doing
    /// anything else when the socket cannot be had. Idempotent; `run()` calls it if needed.
    public func listen() throws(ControlServerError) {
        try state.withLock { state throws(ControlServerError) in
            guard case .idle = state.phase else { return }
            state.phase = .listening(try openListener())
        }
    }

    /// Serves until the calling task is cancelled (or `stop()` is called), then closes the
    /// socket and removes its file. Throws only if the socket cannot be opened.
    public func run() async throws {
        let listener: Listener = try {
            try listen()
            return try state.withLock { state throws(ControlServerError) in
                guard case .listening(let listener) = state.phase else {
                    throw ControlServerError(code: .system, message: "control server at \(path) already ran")
                }
                state.phase = .serving(listener)
                return listener
            }
        }()
        await withTaskCancellationHandler {
            await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                DedicatedThread.start("aegis-control") {
                    self.acceptLoop(listener)
                    self.close(listener)
                    done.resume()
                }
            }
        } onCancel: {
            stop()
        }
    }

    /// Asks the server to stop; `run()` returns at once (after any handler still running, for
    /// up to 2 s). If `run()` was never called, closes the listening socket now.
    public func stop() {
        stopping.store(true, ordering: .sequentiallyConsistent)
        let (idle, serving): (Listener?, Listener?) = state.withLock { state in
            switch state.phase {
            case .listening(let listener):
                state.phase = .finished
                return (listener, nil)
            case .serving(let listener): return (nil, listener)
            case .idle, .finished: return (nil, nil)
            }
        }
        if let idle { close(idle) }
        serving?.stop.raise()
        slotFreed.signal()
    }

    // MARK: - Internal

    struct State {
        var phase: Phase = .idle
        var connections = 0
        /// The accept loop waits on `slotFreed`.
        var waitingForSlot = false
    }

    enum Phase {
        case idle
        case listening(Listener)
        case serving(Listener)
        case finished
    }

    /// The bound socket and the identity of the file it created, so that shutdown removes our
    /// socket file and never one a successor has put in its place; `stop` wakes its accept loop.
    struct Listener {
        var fd: Int32
        var device: UInt64
        var inode: UInt64
        var stop: StopPipe
    }

    var isStopping: Bool { stopping.load(ordering: .sequentiallyConsistent) }

    private func acceptLoop(_ listener: Listener) {
        while !isStopping {
            guard waitForFreeSlot() else { continue }
            guard listener.stop.wait(for: listener.fd, events: Int16(POLLIN)) else { continue }
            let fd = accept(listener.fd, nil, nil)
            guard fd >= 0 else {
                let code = errno
                if code == EAGAIN || code == EINTR || code == ECONNABORTED { continue }
                // Out of descriptors or memory: back off instead of spinning on a ready listener.
                logger.warning("control socket accept failed", metadata: ["error": "\(UnixSocket.Failure(operation: "accept", code: code))"])
                usleep(100_000)
                continue
            }
            // accept4 is hidden behind _GNU_SOURCE in Swift's Glibc; set the flags right away.
            // Children are spawned with only their chosen descriptors, so the window is harmless.
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            admit(fd)
        }
        drainConnections(upTo: .seconds(2))
    }

    /// Whether a connection may be accepted now; at capacity, waits for one to end (or the
    /// stop, which signals `slotFreed` too).
    private func waitForFreeSlot() -> Bool {
        let full = state.withLock { state in
            state.waitingForSlot = state.connections >= Self.maxConnections
            return state.waitingForSlot
        }
        guard full, !isStopping else { return !full }
        slotFreed.wait()
        return state.withLock { state in
            state.waitingForSlot = false
            return state.connections < Self.maxConnections
        }
    }

    private func admit(_ fd: Int32) {
        state.withLock { $0.connections += 1 }
        DedicatedThread.start("aegis-ctl-conn") {
            self.serve(connection: fd)
            Glibc.close(fd)
            let wake = self.state.withLock { state in
                state.connections -= 1
                return state.waitingForSlot
            }
            if wake { self.slotFreed.signal() }
        }
    }

    /// Gives connections a moment to finish their current request so that a stop does not cut
    /// a reply in half; a handler that hangs does not hold shutdown beyond `limit`.
    private func drainConnections(upTo limit: Duration) {
        let deadline = ContinuousClock.now + limit
        while state.withLock({ $0.connections }) > 0, ContinuousClock.now < deadline {
            usleep(10_000)
        }
    }

    private func close(_ listener: Listener) {
        Glibc.close(listener.fd)
        if let info = UnixSocket.status(of: path), UInt64(info.st_dev) == listener.device,
            UInt64(info.st_ino) == listener.inode
        {
            unlink(path)
        }
        state.withLock { $0.phase = .finished }
    }
}
