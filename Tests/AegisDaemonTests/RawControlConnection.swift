import Foundation
import Glibc

/// A control-socket connection that sends whatever bytes a test gives it, the way a broken or
/// hostile client would, and reads what comes back until the daemon hangs up. Blocking, with a
/// receive timeout, so a daemon that never answers fails the test instead of hanging it.
final class RawControlConnection {
    let fd: Int32

    /// Connects, retrying while the listener's backlog is full, until `timeout` has passed.
    init(path: String, timeout: Duration = .seconds(30)) throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { throw TestFailure("socket: \(String(cString: strerror(errno)))") }
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                raw.copyBytes(from: Array(path.utf8) + [0])
            }
            let result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            if result == 0 {
                self.fd = fd
                var limit = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: 0)
                setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
                setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
                return
            }
            let code = errno
            close(fd)
            guard code == EAGAIN || code == EINTR, ContinuousClock.now < deadline else {
                throw TestFailure("connect \(path): \(String(cString: strerror(code)))")
            }
            usleep(1000)
        }
    }

    deinit { close(fd) }

    /// Sends all of `bytes`; false when the daemon closed the connection first (it may refuse
    /// an oversized request before reading all of it).
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += sent
        }
        return true
    }

    /// No more requests from this side (the daemon sees end of file).
    func finishSending() { shutdown(fd, Int32(SHUT_WR)) }

    /// Everything the daemon sends until it closes the connection; throws if it neither sends
    /// nor closes within the connection's timeout.
    func readToEnd() throws -> [UInt8] {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                out += chunk[..<count]
            } else if count == 0 {
                return out
            } else if errno == EINTR {
                continue
            } else if errno == ECONNRESET {
                return out
            } else {
                throw TestFailure("recv: \(String(cString: strerror(errno))) after \(out.count) bytes")
            }
        }
    }

    /// One reply line: reads until the first newline (the connection stays open).
    func readLine() throws -> [UInt8] {
        var out: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let count = recv(fd, &byte, 1, 0)
            if count == 1 {
                if byte == 0x0A { return out }
                out.append(byte)
            } else if count == 0 {
                return out
            } else if errno != EINTR {
                throw TestFailure("recv: \(String(cString: strerror(errno))) after \(out.count) bytes")
            }
        }
    }
}
