import Glibc

/// The few Unix-socket system calls the control server and client share, wrapped so that
/// every wait is bounded: both ends use non-blocking descriptors and `poll()` with deadlines,
/// never a bare blocking call that a silent peer could hold forever.
enum UnixSocket {
    /// `sun_path` holds 108 bytes including the terminating NUL.
    static let maxPathBytes = 107

    /// A failed system call: which one and its errno.
    struct Failure: Error, CustomStringConvertible {
        var operation: String
        var code: Int32

        var description: String { "\(operation): \(String(cString: strerror(code))) (errno \(code))" }
    }

    /// A new non-blocking, close-on-exec stream socket. Close-on-exec matters: aegisd spawns
    /// children, and they must not inherit the control socket.
    static func makeStream() throws(Failure) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw Failure(operation: "socket", code: errno) }
        return fd
    }

    /// Runs `body` with the socket address of `path`; nil when the path does not fit.
    static func withAddress<R>(
        _ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R
    ) -> R? {
        let bytes = Array(path.utf8)
        guard !bytes.isEmpty, bytes.count <= maxPathBytes, !bytes.contains(0) else { return nil }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                body($0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
    }

    /// Connects a non-blocking socket, waiting for a full listen backlog to drain until
    /// `deadline`. Returns 0 or the errno of the failure (ETIMEDOUT when the deadline passed).
    static func connect(_ fd: Int32, path: String, deadline: ContinuousClock.Instant) -> Int32 {
        while true {
            guard let result = withAddress(path, { Glibc.connect(fd, $0, $1) }) else { return ENAMETOOLONG }
            if result == 0 { return 0 }
            let code = errno
            // A Unix socket answers EAGAIN when the listener's backlog is full; try again shortly.
            guard code == EAGAIN || code == EINTR else { return code }
            if ContinuousClock.now >= deadline { return ETIMEDOUT }
            usleep(20_000)
        }
    }

    /// Waits until `fd` is ready for `events` or `timeout` passes. True when ready (including
    /// hang-up and error, which the following read or write reports precisely).
    static func wait(_ fd: Int32, for events: Int16, timeout: Duration) -> Bool {
        var entry = pollfd(fd: fd, events: events, revents: 0)
        let ms = max(0, Int32(clamping: timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000))
        let ready = poll(&entry, 1, ms)
        return ready > 0
    }

    /// Sends all of `bytes` before `deadline`. MSG_NOSIGNAL: a client that went away must
    /// produce EPIPE here, not a SIGPIPE that kills the daemon. Returns nil or the errno.
    static func sendAll(_ fd: Int32, _ bytes: [UInt8], deadline: ContinuousClock.Instant) -> Int32? {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { raw in
                send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent > 0 {
                offset += sent
                continue
            }
            let code = sent < 0 ? errno : EAGAIN
            guard code == EAGAIN || code == EINTR else { return code }
            let remaining = deadline - ContinuousClock.now
            if remaining <= .zero { return ETIMEDOUT }
            _ = wait(fd, for: Int16(POLLOUT), timeout: min(remaining, .milliseconds(250)))
        }
        return nil
    }

    /// `stat` of `path`, or nil with errno set.
    static func status(of path: String) -> stat? {
        var info = stat()
        return lstat(path, &info) == 0 ? info : nil
    }

    static func isSocket(_ info: stat) -> Bool { info.st_mode & S_IFMT == S_IFSOCK }
}
