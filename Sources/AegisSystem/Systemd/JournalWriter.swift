import CSystemd
import Glibc

/// Writes structured entries to journald with `sd_journal_sendv`: one datagram per entry, fields
/// as `KEY=value`. Field names are upper case without a leading underscore (journald drops
/// those from clients).
public enum JournalWriter {
    public static let socketPath = "/run/systemd/journal/socket"

    /// Whether a journald listens on this machine. The socket file alone proves nothing: a
    /// journald that died leaves it behind, and datagrams sent to it vanish. Connecting a
    /// datagram socket fails with ECONNREFUSED when nobody listens.
    public static var isAvailable: Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return UnixSocket.withAddress(socketPath) { connect(fd, $0, $1) == 0 } ?? false
    }

    /// Sends one entry; returns false when journald could not take it.
    @discardableResult
    public static func send(_ fields: [(String, String)]) -> Bool {
        let strings = fields.map { "\($0.0)=\($0.1)" }
        let buffers = strings.map { Array($0.utf8) }
        return buffers.withContiguousIOVecs { iovecs in
            sd_journal_sendv(iovecs.baseAddress, Int32(iovecs.count)) == 0
        }
    }

    /// syslog priority for a swift-log level name.
    public static func priority(ofLevel level: String) -> Int {
        switch level {
        case "trace", "debug": 7
        case "info": 6
        case "notice": 5
        case "warning": 4
        case "error": 3
        default: 2  // critical
        }
    }
}

extension Array where Element == [UInt8] {
    fileprivate func withContiguousIOVecs<R>(_ body: (UnsafeBufferPointer<iovec>) -> R) -> R {
        var iovecs: [iovec] = []
        iovecs.reserveCapacity(count)
        func build(_ index: Int) -> R {
            if index == count { return iovecs.withUnsafeBufferPointer(body) }
            return self[index].withUnsafeBytes { raw in
                iovecs.append(iovec(iov_base: UnsafeMutableRawPointer(mutating: raw.baseAddress), iov_len: raw.count))
                return build(index + 1)
            }
        }
        return build(0)
    }
}
