import Glibc

/// A stream socket (Unix or TCP) whose every wait is bounded by a deadline, for the health
/// probes and aegisd's own clients, and for the connections the metrics endpoint accepts: a
/// hung peer must cost us a timeout, never a stuck thread.
public final class SocketConnection: ByteStream {
    /// Internal for `TLSConnection`, which runs its handshake and records over this descriptor.
    let fd: Int32
    /// Bounds every wait, including those of a TLS layer on top.
    /// Every wait ends by then; `resetDeadline(after:)` gives a connection kept between checks a
    /// new one for each use.
    private(set) var deadline: ContinuousClock.Instant

    /// Connects to a Unix socket.
    public init(unixPath path: String, timeout: Duration) throws(SystemError) {
        deadline = ContinuousClock.now + timeout
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .errno("socket") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw SystemError("socket path too long: \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
        }
        try connect(address, what: path)
    }

    /// Connects to 127.0.0.1:`port`.
    public convenience init(loopbackPort port: Int, timeout: Duration) throws(SystemError) {
        try self.init(ipv4: "127.0.0.1", port: port, timeout: timeout)
    }

    /// Connects to a dotted IPv4 address (`localhost` is 127.0.0.1) and `port`.
    public init(ipv4 host: String, port: Int, timeout: Duration) throws(SystemError) {
        var binary = in_addr()
        guard inet_pton(AF_INET, host == "localhost" ? "127.0.0.1" : host, &binary) == 1 else {
            throw SystemError("\(host) is not an IPv4 address")
        }
        deadline = ContinuousClock.now + timeout
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .errno("socket") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr = binary
        try connect(address, what: "\(host):\(port)")
    }

    /// Connects to `host` (a DNS name, `localhost`, or an IPv4 or IPv6 address) and `port`, trying
    /// each address the resolver gives in turn. Name resolution itself is not bounded by the
    /// deadline (getaddrinfo has no timeout); the connects are.
    public convenience init(host: String, port: Int, timeout: Duration) throws(SystemError) {
        var binary = in_addr()
        if host == "localhost" || inet_pton(AF_INET, host, &binary) == 1 {
            try self.init(ipv4: host, port: port, timeout: timeout)
            return
        }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let list else {
            throw SystemError("cannot resolve \(host): \(String(cString: gai_strerror(rc)))")
        }
        defer { freeaddrinfo(list) }
        var lastError = SystemError("\(host) has no address")
        var entry: UnsafeMutablePointer<addrinfo>? = list
        while let current = entry {
            do {
                try self.init(address: current.pointee, what: "\(host):\(port)", timeout: timeout)
                return
            } catch {
                lastError = error
            }
            entry = current.pointee.ai_next
        }
        throw lastError
    }

    /// Connects to one resolved address.
    private init(address: addrinfo, what: String, timeout: Duration) throws(SystemError) {
        deadline = ContinuousClock.now + timeout
        fd = socket(address.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .errno("socket") }
        try connect(raw: address.ai_addr, length: address.ai_addrlen, what: what)
    }

    /// Takes over a connection a listener accepted (made non-blocking here); closes it at deinit.
    public init(accepted descriptor: Int32, timeout: Duration) {
        deadline = ContinuousClock.now + timeout
        fd = descriptor
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }

    /// The only close: an initializer that throws after `fd` is set still runs deinit, so the
    /// error paths must not close it too (a second close could hit a descriptor another thread
    /// has just been given).
    deinit {
        if fd >= 0 { close(fd) }
    }

    private func connect<Address>(_ address: Address, what: String) throws(SystemError) {
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        var address = address
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<Address>.size))
            }
        }
        try finishConnect(rc, what: what)
    }

    private func connect(raw: UnsafeMutablePointer<sockaddr>, length: socklen_t, what: String) throws(SystemError) {
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        try finishConnect(Glibc.connect(fd, raw, length), what: what)
    }

    /// A non-blocking connect in progress: waits for it within the deadline.
    private func finishConnect(_ rc: Int32, what: String) throws(SystemError) {
        if rc != 0 {
            guard errno == EINPROGRESS || errno == EAGAIN else {
                throw .errno("connect to \(what)", errno)
            }
            try wait(for: Int16(POLLOUT))
            var soError: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &length)
            guard soError == 0 else {
                throw .errno("connect to \(what)", soError)
            }
        }
    }

    public func write(_ bytes: [UInt8]) throws(SystemError) {
        var offset = 0
        while offset < bytes.count {
            try wait(for: Int16(POLLOUT))
            let sent = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent < 0 {
                if errno == EAGAIN || errno == EINTR { continue }
                throw .errno("send")
            }
            offset += sent
        }
    }

    /// Reads what is available (at least one byte); empty at end of stream.
    public func read(max: Int) throws(SystemError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: max)
        while true {
            try wait(for: Int16(POLLIN))
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count >= 0 { return Array(buffer[0..<count]) }
            if errno != EAGAIN && errno != EINTR { throw .errno("recv") }
        }
    }

    /// The next waits end `timeout` from now.
    public func resetDeadline(after timeout: Duration) {
        deadline = ContinuousClock.now + timeout
    }

    /// Waits until the descriptor is ready for `events` or the deadline passes.
    func wait(for events: Int16) throws(SystemError) {
        while true {
            let left = deadline - ContinuousClock.now
            guard left > .zero else { throw SystemError.deadline }
            let (seconds, attos) = left.components
            let millis = Int32(min(Int64(Int32.max), seconds * 1000 + attos / 1_000_000_000_000_000 + 1))
            var pfd = pollfd(fd: fd, events: events, revents: 0)
            let ready = poll(&pfd, 1, millis)
            if ready > 0 { return }
            if ready < 0 && errno != EINTR { throw .errno("poll") }
        }
    }
}
