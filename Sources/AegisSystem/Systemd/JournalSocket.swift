import Glibc

/// Sends entries to journald in its native protocol (systemd.io/JOURNAL_NATIVE_PROTOCOL) over
/// one datagram socket connected once: `sd_journal_sendv` addresses every datagram by path, and
/// the kernel's lookup of that path was a fifth of what forwarding a child's line cost. One
/// datagram per entry, as there; what a datagram cannot carry goes through libsystemd.
///
/// Not thread-safe: one per sending thread.
public final class JournalSocket {
    private var fd: Int32 = -1
    private let path: String

    public init(path: String = JournalWriter.socketPath) {
        self.path = path
    }

    deinit {
        if fd >= 0 { close(fd) }
    }

    /// Sends `message` at `priority` (0–7) with `fields`; returns false when journald did not
    /// take it. MESSAGE goes in the binary-safe form (name, newline, 64-bit little-endian length,
    /// bytes, newline): a multi-line entry keeps its newlines.
    public func send(message: String, priority: Int, fields: JournalFields) -> Bool {
        var message = message
        let sent = message.withUTF8 { bytes -> Int32 in
            var length = UInt64(bytes.count).littleEndian
            return withUnsafeBytes(of: &length) { lengthBytes in
                let priorityLine = Self.priorityLines[min(max(priority, 0), 7)]
                let block = fields.nativeBlock
                return withUnsafeTemporaryAllocation(of: Glibc.iovec.self, capacity: 6) { iovecs in
                    iovecs[0] = Self.iovec(Self.messageName)
                    iovecs[1] = Self.iovec(lengthBytes)
                    iovecs[2] = Self.iovec(UnsafeRawBufferPointer(bytes))
                    iovecs[3] = Self.iovec(Self.newline)
                    iovecs[4] = Self.iovec(priorityLine)
                    iovecs[5] = Self.iovec(block)
                    return sendOnce(iovecs)
                }
            }
        }
        switch sent {
        case 0: return true
        case EMSGSIZE, ENOBUFS: return fields.sendThroughLibsystemd(message: message, priority: priority)
        default: return false
        }
    }

    /// 0 or the errno; connects (again, after journald restarted) as needed.
    private func sendOnce(_ iovecs: UnsafeMutableBufferPointer<iovec>) -> Int32 {
        var reconnected = false
        while true {
            if fd < 0 {
                guard connectSocket() else { return errno }
            }
            var header = msghdr()
            header.msg_iov = iovecs.baseAddress
            header.msg_iovlen = iovecs.count
            if sendmsg(fd, &header, Int32(MSG_NOSIGNAL)) >= 0 { return 0 }
            let error = errno
            if error == EINTR { continue }
            // journald restarted: the socket we were connected to is gone; connect once more.
            guard !reconnected, error == ECONNREFUSED || error == ENOTCONN || error == ECONNRESET else { return error }
            close(fd)
            fd = -1
            reconnected = true
        }
    }

    private func connectSocket() -> Bool {
        let socketFD = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard socketFD >= 0 else { return false }
        // As libsystemd does: room for large entries (the kernel caps it at wmem_max).
        var size: Int32 = 8 << 20
        _ = setsockopt(socketFD, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        guard UnixSocket.withAddress(path, { connect(socketFD, $0, $1) == 0 }) == true else {
            close(socketFD)
            return false
        }
        fd = socketFD
        return true
    }

    private static func iovec(_ bytes: UnsafeRawBufferPointer) -> Glibc.iovec {
        Glibc.iovec(iov_base: UnsafeMutableRawPointer(mutating: bytes.baseAddress), iov_len: bytes.count)
    }

    private static func iovec(_ text: StaticString) -> Glibc.iovec {
        Glibc.iovec(iov_base: UnsafeMutableRawPointer(mutating: text.utf8Start), iov_len: text.utf8CodeUnitCount)
    }

    private static let messageName: StaticString = "MESSAGE\n"
    private static let newline: StaticString = "\n"
    private static let priorityLines: [StaticString] = [
        "PRIORITY=0\n", "PRIORITY=1\n", "PRIORITY=2\n", "PRIORITY=3\n",
        "PRIORITY=4\n", "PRIORITY=5\n", "PRIORITY=6\n", "PRIORITY=7\n",
    ]
}
