import AegisCore
import Foundation
import Glibc
import Logging
import Synchronization

/// The HTTP side of `/metrics`: a TCP listener on a dedicated thread, one short-lived thread
/// per connection (at most `maxConnections`), `Connection: close` after every answer.
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
    /// When set, a scrape must send `Authorization: Bearer <token>`.
    let token: BearerToken?
    let render: Render
    let logger: Logger
    let listener = Mutex<Int32?>(nil)
    let connections = Atomic<Int>(0)
    let stopping = Atomic<Bool>(false)
    let finished = Mutex<Bool>(false)

    public init(endpoint: MetricsEndpoint, token: BearerToken? = nil, logger: Logger, render: @escaping Render) {
        self.endpoint = endpoint
        self.token = token
        self.render = render
        self.logger = logger
    }

    /// Binds and listens now, so that a port in use is reported at start.
    public func listen() throws(SystemError) {
        let fd = try openListener()
        listener.withLock { $0 = fd }
    }

    /// Starts the accept loop on its own thread; returns at once.
    public func start() {
        guard let fd = listener.withLock({ $0 }) else { return }
        DedicatedThread.start("aegis-metrics") {
            self.acceptLoop(fd)
            Glibc.close(fd)
            self.finished.withLock { $0 = true }
        }
    }

    /// Stops accepting; waits (up to about a second) for the accept thread to close the socket.
    public func stop() {
        stopping.store(true, ordering: .sequentiallyConsistent)
        let deadline = ContinuousClock.now + .seconds(1)
        while !finished.withLock({ $0 }), listener.withLock({ $0 }) != nil, ContinuousClock.now < deadline {
            usleep(10_000)
        }
    }

    private var isStopping: Bool { stopping.load(ordering: .sequentiallyConsistent) }

    private func openListener() throws(SystemError) -> Int32 {
        let family = endpoint.isIPv6 ? AF_INET6 : AF_INET
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw SystemError.errno("metrics endpoint: socket") }
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let bound: Int32
        if endpoint.isIPv6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = in_port_t(UInt16(endpoint.port).bigEndian)
            guard inet_pton(AF_INET6, endpoint.address, &address.sin6_addr) == 1 else {
                Glibc.close(fd)
                throw SystemError("metrics endpoint: \(endpoint.address) is not an IPv6 address")
            }
            bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(endpoint.port).bigEndian)
            guard inet_pton(AF_INET, endpoint.address, &address.sin_addr) == 1 else {
                Glibc.close(fd)
                throw SystemError("metrics endpoint: \(endpoint.address) is not an IPv4 address")
            }
            bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
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

    private func acceptLoop(_ fd: Int32) {
        while !isStopping {
            guard UnixSocket.wait(fd, for: Int16(POLLIN), timeout: .milliseconds(250)) else { continue }
            let connection = accept(fd, nil, nil)
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
                respond(connection, status: "503 Service Unavailable", body: "too many scrapes at once\n", head: false,
                        deadline: .now + .milliseconds(100))
                Glibc.close(connection)
                continue
            }
            DedicatedThread.start("aegis-metrics-c") {
                self.serve(connection)
                Glibc.close(connection)
                self.connections.subtract(1, ordering: .sequentiallyConsistent)
            }
        }
    }

    /// Reads one request head, answers it, and closes.
    private func serve(_ fd: Int32) {
        let deadline = ContinuousClock.now + Self.ioTimeout
        var head: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !Self.endsHead(head) {
            guard head.count <= Self.maxRequestBytes else {
                respond(fd, status: "431 Request Header Fields Too Large", body: "request head over \(Self.maxRequestBytes) bytes\n",
                        head: false, deadline: deadline)
                return
            }
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero, !isStopping else { return }
            guard UnixSocket.wait(fd, for: Int16(POLLIN), timeout: min(remaining, .milliseconds(250))) else { continue }
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count == 0 { return }
            if count < 0 {
                if errno == EAGAIN || errno == EINTR { continue }
                return
            }
            head += buffer[0..<count]
        }
        let text = String(decoding: head, as: UTF8.self)
        switch MetricsRequest.parse(text) {
        case .metrics where token.map({ !$0.admits(MetricsRequest.header("authorization", in: text)) }) ?? false:
            respond(fd, status: "401 Unauthorized", body: "a bearer token is required ([metrics] bearer_token_file)\n",
                    extra: "WWW-Authenticate: Bearer realm=\"aegisd\"\r\n", head: false, deadline: deadline)
        case .metrics(let format, let headOnly):
            let body = render(format)
            respond(fd, status: "200 OK", body: body, contentType: format.contentType, head: headOnly, deadline: deadline)
        case .notFound:
            respond(fd, status: "404 Not Found", body: "only /metrics is served here\n", head: false, deadline: deadline)
        case .methodNotAllowed:
            respond(fd, status: "405 Method Not Allowed", body: "only GET and HEAD\n", extra: "Allow: GET, HEAD\r\n",
                    head: false, deadline: deadline)
        case .malformed:
            respond(fd, status: "400 Bad Request", body: "not an HTTP/1.x request\n", head: false, deadline: deadline)
        }
    }

    private static func endsHead(_ bytes: [UInt8]) -> Bool {
        bytes.firstRange(of: [13, 10, 13, 10]) != nil || bytes.firstRange(of: [10, 10]) != nil
    }

    private func respond(
        _ fd: Int32, status: String, body: String, contentType: String = "text/plain; charset=utf-8", extra: String = "",
        head: Bool, deadline: ContinuousClock.Instant
    ) {
        let bytes = Array(body.utf8)
        let header = "HTTP/1.1 \(status)\r\nContent-Type: \(contentType)\r\nContent-Length: \(bytes.count)\r\n"
            + "Connection: close\r\n\(extra)\r\n"
        _ = UnixSocket.sendAll(fd, Array(header.utf8) + (head ? [] : bytes), deadline: deadline)
    }
}
