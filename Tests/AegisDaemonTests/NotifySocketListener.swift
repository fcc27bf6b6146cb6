import Foundation
import Glibc
import Synchronization

/// A stand-in for systemd's side of sd_notify: a Unix datagram socket whose path the daemon
/// gets as NOTIFY_SOCKET. It records every message, as systemd would receive it.
final class NotifySocketListener: Sendable {
    let path: String
    private let fd: Int32
    private let box = MessageBox()

    init(directory: String) throws {
        path = "\(directory)/notify.sock"
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        self.fd = fd
        let path = path
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard fd >= 0, bound == 0 else { throw TestFailure("cannot bind \(path): errno \(errno)") }
        let box = box
        let thread = Thread {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if count <= 0 { if errno == EINTR { continue } else { return } }
                box.messages.withLock { $0.append(String(decoding: buffer[0..<count], as: UTF8.self)) }
            }
        }
        thread.start()
    }

    deinit {
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
    }

    var received: [String] { box.messages.withLock { $0 } }

    /// Every `KEY=value` line received so far, in order.
    var assignments: [String] { received.flatMap { $0.split(separator: "\n").map(String.init) } }
}

final class MessageBox: Sendable {
    let messages = Mutex<[String]>([])
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
