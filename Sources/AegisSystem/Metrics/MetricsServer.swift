import AegisCore
import Foundation
import Glibc
import Logging
import Synchronization

/// The HTTP side of `/metrics`: a TCP listener on a dedicated thread, one short-lived thread
/// per connection (at most `maxConnections`), `Connection: close` after every answer; HTTPS
/// when given a `TLSServerIdentity`, and a bearer token or basic authentication when asked.
///
/// A small accept loop instead of an HTTP framework: the daemon has no event loop to share, the
/// only request is `GET /metrics`, and every bound is explicit here: request head at most
/// `maxRequestBytes`, `ioTimeout` for the whole request and the whole answer. `render` only
/// reads the last collected snapshot, so a scrape never waits on a database or on supervision.
public final class MetricsServer: Sendable {
    /// Writes the body of one scrape in the asked format.
    public typealias Render = @Sendable (MetricsFormat) -> String

    public static let maxConnections = 8
    public static let maxRequestBytes = 8 * 1024
    public static let ioTimeout: Duration = .seconds(5)

    public let endpoint: MetricsEndpoint
    /// What a scrape must send in `Authorization`.
    let access: MetricsAccess
    /// The certificate of HTTPS; nil serves plain HTTP.
    let identity: TLSServerIdentity?
    let render: Render
    let logger: Logger
    /// The listening socket, and whether `start()` handed it to the accept thread (which then
    /// closes it).
    let listening = Mutex<(listener: Listener, accepting: Bool)?>(nil)
    let connections = Atomic<Int>(0)
    let stopping = Atomic<Bool>(false)
    /// Signalled by the accept thread once it has closed the listening socket.
    let closed = DispatchSemaphore(value: 0)

    /// The listening socket, and the stop that wakes the accept loop asleep on it.
    struct Listener: Sendable {
        var fd: Int32
        var stop: StopPipe
    }

    public init(
        endpoint: MetricsEndpoint, access: MetricsAccess = .open, identity: TLSServerIdentity? = nil, logger: Logger,
        render: @escaping Render
    ) {
        self.endpoint = endpoint
        self.access = access
        self.identity = identity
        self.render = render
        self.logger = logger
    }

    /// Binds and listens now, so that a port in use is reported at start.
    public func listen() throws(SystemError) {
        let fd = try openListener()
        let stop: StopPipe
        do { stop = try StopPipe() } catch {
            Glibc.close(fd)
            throw SystemError("metrics endpoint: \(error)")
        }
        listening.withLock { $0 = (Listener(fd: fd, stop: stop), false) }
    }

    /// Starts the accept loop on its own thread; returns at once.
    public func start() {
        let listener: Listener? = listening.withLock { state in
            guard let current = state, !current.accepting else { return nil }
            state?.accepting = true
            return current.listener
        }
        guard let listener else { return }
        DedicatedThread.start("aegis-metrics") {
            self.acceptLoop(listener)
            Glibc.close(listener.fd)
            self.closed.signal()
        }
    }

    /// Stops accepting; waits (up to a second) for the accept thread to close the socket, or
    /// closes it here when no accept thread was started.
    public func stop() {
        stopping.store(true, ordering: .sequentiallyConsistent)
        guard let (listener, accepting) = listening.withLock({ state in
            defer { state = nil }
            return state
        }) else { return }
        if accepting {
            listener.stop.raise()
            _ = closed.wait(timeout: .now() + .seconds(1))
        } else {
            Glibc.close(listener.fd)
        }
    }

    private var isStopping: Bool { stopping.load(ordering: .sequentiallyConsistent) }

    private func openListener() throws(SystemError) -> Int32 {
        // getaddrinfo with numeric flags parses either family into the right sockaddr, so one
        // path binds IPv4 and IPv6 alike (and never resolves a name).
        var hints = addrinfo()
        hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(endpoint.address, String(endpoint.port), &hints, &list) == 0, let address = list?.pointee else {
            throw SystemError("metrics endpoint: \(endpoint.address) is not a numeric IPv4 or IPv6 address")
        }
        defer { freeaddrinfo(list) }
        let fd = socket(address.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw SystemError.errno("metrics endpoint: socket") }
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let bound = bind(fd, address.ai_addr, address.ai_addrlen)
        guard bound == 0 else {
            let code = errno
            Glibc.close(fd)
            throw SystemError.errno(
                "metrics endpoint: cannot listen on \(endpoint) (set [metrics] port or listen to a free one)", code)
        }
        guard Glibc.listen(fd, 64) == 0 else {
            let code = errno
            Glibc.close(fd)
            throw SystemError.errno("metrics endpoint: listen on \(endpoint)", code)
        }
        logger.info("metrics endpoint listening", metadata: ["url": "\(endpoint.url)"])
        return fd
    }

    private func acceptLoop(_ listener: Listener) {
        while !isStopping {
            guard listener.stop.wait(for: listener.fd, events: Int16(POLLIN)) else { continue }
            let connection = accept(listener.fd, nil, nil)
            guard connection >= 0 else {
                let code = errno
                if code == EAGAIN || code == EINTR || code == ECONNABORTED { continue }
                logger.warning("metrics endpoint: accept failed", metadata: ["error": "\(UnixSocket.Failure(operation: "accept", code: code))"])
                usleep(100_000)
                continue
            }
            _ = fcntl(connection, F_SETFD, FD_CLOEXEC)
            _ = fcntl(connection, F_SETFL, fcntl(connection, F_GETFL) | O_NONBLOCK)
            guard connections.add(1, ordering: .sequentiallyConsistent).newValue <= Self.maxConnections else {
                connections.subtract(1, ordering: .sequentiallyConsistent)
                // Plain HTTP only: a TLS client would read these bytes as a broken handshake.
                if identity == nil {
                    let refusal = Self.answer(status: "503 Service Unavailable", body: "too many scrapes at once\n")
                    _ = UnixSocket.sendAll(connection, refusal, deadline: .now + .milliseconds(100))
                }
                Glibc.close(connection)
                continue
            }
            DedicatedThread.start("aegis-metrics-c") {
                self.serve(SocketConnection(accepted: connection, timeout: Self.ioTimeout))
                self.connections.subtract(1, ordering: .sequentiallyConsistent)
            }
        }
    }

    /// Runs the TLS handshake when serving HTTPS, reads one request head, and answers it. The
    /// socket's deadline (`ioTimeout`) bounds all of it; the connection closes when `socket` goes.
    private func serve(_ socket: SocketConnection) {
        let stream: any ByteStream
        if let identity {
            do {
                stream = try TLSConnection(accepting: socket, identity: identity)
            } catch {
                // A scraper speaking plain HTTP, or certificate files being replaced: the
                // scraper reports the failed scrape; debug, since anyone reaching the port can
                // cause it.
                logger.debug("metrics endpoint: \(error.message)")
                return
            }
        } else {
            stream = socket
        }
        var head: [UInt8] = []
        while !Self.endsHead(head) {
            guard head.count <= Self.maxRequestBytes else {
                respond(stream, status: "431 Request Header Fields Too Large", body: "request head over \(Self.maxRequestBytes) bytes\n")
                return
            }
            guard !isStopping, let bytes = try? stream.read(max: 4096), !bytes.isEmpty else { return }
            head += bytes
        }
        let text = String(decoding: head, as: UTF8.self)
        switch MetricsRequest.parse(text) {
        case .metrics where !access.admits(authorization: MetricsRequest.header("authorization", in: text)):
            respond(stream, status: "401 Unauthorized", body: access.refusal, extra: "WWW-Authenticate: \(access.challenge)\r\n")
        case .metrics(let format, let headOnly):
            respond(stream, status: "200 OK", body: render(format), contentType: format.contentType, head: headOnly)
        case .notFound:
            respond(stream, status: "404 Not Found", body: "only /metrics is served here\n")
        case .methodNotAllowed:
            respond(stream, status: "405 Method Not Allowed", body: "only GET and HEAD\n", extra: "Allow: GET, HEAD\r\n")
        case .malformed:
            respond(stream, status: "400 Bad Request", body: "not an HTTP/1.x request\n")
        }
    }

    private static func endsHead(_ bytes: [UInt8]) -> Bool {
        bytes.firstRange(of: [13, 10, 13, 10]) != nil || bytes.firstRange(of: [10, 10]) != nil
    }

    private func respond(
        _ stream: any ByteStream, status: String, body: String, contentType: String = "text/plain; charset=utf-8",
        extra: String = "", head: Bool = false
    ) {
        try? stream.write(Self.answer(status: status, body: body, contentType: contentType, extra: extra, head: head))
    }

    /// One whole HTTP/1.1 answer; `head` leaves the body out (a HEAD request) but keeps its length.
    private static func answer(
        status: String, body: String, contentType: String = "text/plain; charset=utf-8", extra: String = "", head: Bool = false
    ) -> [UInt8] {
        let bytes = Array(body.utf8)
        let header = "HTTP/1.1 \(status)\r\nContent-Type: \(contentType)\r\nContent-Length: \(bytes.count)\r\n"
            + "Connection: close\r\n\(extra)\r\n"
        return Array(header.utf8) + (head ? [] : bytes)
    }
}
