import Glibc

/// Reads newline-terminated lines from a non-blocking socket, bounded in size and in time, so a
/// peer that sends garbage, too much, or nothing at all cannot hold the reader forever.
struct SocketLineReader {
    /// What the next read produced.
    enum Event: Equatable {
        /// One line, without its newline. Bytes left when the peer half-closes count as a line,
        /// so `printf '{…}' | socat - UNIX:…` works without a trailing newline.
        case line([UInt8])
        /// The peer closed and nothing is left.
        case end
        /// More than `limit` bytes arrived without a newline.
        case oversize
        /// The deadline passed; `partial` tells whether part of a line had arrived.
        case timedOut(partial: Bool)
        /// `shouldStop` said so (the server is shutting down).
        case stopped
        /// The socket failed with this errno.
        case failed(Int32)
    }

    let limit: Int
    private var buffer: [UInt8] = []
    private var sawEnd = false

    init(limit: Int) { self.limit = limit }

    /// The next line, waiting at most until `deadline`. `shouldStop` is asked at least every
    /// 250 ms so that a shutdown is not held up by an idle peer.
    mutating func next(
        from fd: Int32, deadline: ContinuousClock.Instant, shouldStop: () -> Bool = { false }
    ) -> Event {
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                guard newline <= limit else { return .oversize }
                let line = Array(buffer[..<newline])
                buffer.removeSubrange(...newline)
                return .line(line)
            }
            if buffer.count > limit { return .oversize }
            if sawEnd {
                guard !buffer.isEmpty else { return .end }
                defer { buffer.removeAll() }
                return .line(buffer)
            }
            if shouldStop() { return .stopped }
            let remaining = deadline - ContinuousClock.now
            if remaining <= .zero { return .timedOut(partial: !buffer.isEmpty) }
            guard UnixSocket.wait(fd, for: Int16(POLLIN), timeout: min(remaining, .milliseconds(250))) else {
                continue
            }
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                buffer.append(contentsOf: chunk[..<count])
            } else if count == 0 {
                sawEnd = true
            } else if errno != EAGAIN && errno != EINTR {
                // A reset after the peer sent its last line still leaves that line to answer.
                if errno == ECONNRESET { sawEnd = true } else { return .failed(errno) }
            }
        }
    }
}
