import Foundation
import Glibc

/// Drains a child's stdout and stderr pipes on a thread of its own and hands over complete
/// lines. A dedicated thread, not the cooperative pool: a child must never be slowed because the
/// daemon is busy, and blocking `poll` has no place on the pool's two threads.
///
/// The reader owns the read ends and closes them at end of file, which comes only when every
/// holder of the write ends has exited (a postmaster's backends included).
enum PipeLineReader {
    /// Longer lines are cut into pieces of this size rather than buffered without bound.
    static let maxLineBytes = 64 * 1024

    /// Bytes a drain-ahead reader holds for its line thread before it drops output.
    static let drainAheadMaxBytes = 64 << 20

    /// - Parameter drainAhead: read into a buffer on one thread and cut lines on another, so
    ///   that the child is never slowed by what `onLine` costs (supervised servers); without it,
    ///   lines are handed over by the reader itself, all before the pipes close (one-shot
    ///   commands whose output is read after they exit).
    static func start(
        _ streams: [(fd: Int32, kind: OutputStreamKind)], drainAhead: Bool = false,
        onLine: @escaping @Sendable (OutputStreamKind, String) -> Void
    ) {
        guard drainAhead else {
            let thread = Thread {
                drain(fds: streams.map(\.fd), kinds: streams.map(\.kind), onLine: onLine)
            }
            thread.name = "aegisd-pipe-reader"
            thread.start()
            return
        }
        let queue = OutputChunkQueue(maxBytes: drainAheadMaxBytes)
        let reader = Thread {
            drain(fds: streams.map(\.fd)) { index, chunk in queue.put(streams[index].kind, chunk) }
            queue.close()
        }
        reader.name = "aegisd-pipe-reader"
        let splitter = Thread {
            var pending: [OutputStreamKind: [UInt8]] = [:]
            while let (chunk, dropped) = queue.take() {
                if dropped > 0 {
                    onLine(.stderr, "aegisd: \(dropped) bytes of this child's output were dropped: the log pipeline fell behind")
                }
                guard let chunk else { continue }
                emitLines(from: chunk.bytes[...], into: &pending[chunk.kind, default: []], kind: chunk.kind, onLine: onLine)
            }
            for (kind, rest) in pending where !rest.isEmpty { onLine(kind, String(decoding: rest, as: UTF8.self)) }
        }
        splitter.name = "aegisd-pipe-lines"
        splitter.start()
        reader.start()
    }

    /// Reads every stream to its end, handing over raw chunks with the index of their stream,
    /// and says when a stream ended.
    private static func drain(fds: [Int32], onChunk: (Int, ArraySlice<UInt8>) -> Void, onEnd: (Int) -> Void = { _ in }) {
        var open = [Bool](repeating: true, count: fds.count)
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while open.contains(true) {
            var pollfds = fds.enumerated().map { index, fd in
                pollfd(fd: open[index] ? fd : -1, events: Int16(POLLIN), revents: 0)
            }
            let ready = poll(&pollfds, nfds_t(pollfds.count), -1)
            if ready < 0 {
                if errno == EINTR { continue }
                break
            }
            for index in fds.indices where open[index] && pollfds[index].revents != 0 {
                let count = chunk.withUnsafeMutableBytes { read(fds[index], $0.baseAddress, $0.count) }
                if count > 0 {
                    onChunk(index, chunk[0..<count])
                } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
                    onEnd(index)
                    open[index] = false
                    close(fds[index])
                }
            }
        }
    }

    /// The same, cutting lines on the reading thread; a stream's unterminated last line is
    /// handed over when it ends.
    private static func drain(fds: [Int32], kinds: [OutputStreamKind], onLine: @Sendable (OutputStreamKind, String) -> Void) {
        var pending = [[UInt8]](repeating: [], count: fds.count)
        drain(
            fds: fds,
            onChunk: { index, chunk in emitLines(from: chunk, into: &pending[index], kind: kinds[index], onLine: onLine) },
            onEnd: { ended in
                if !pending[ended].isEmpty { onLine(kinds[ended], String(decoding: pending[ended], as: UTF8.self)) }
                pending[ended] = []
            })
    }

    private static func emitLines(
        from bytes: ArraySlice<UInt8>, into pending: inout [UInt8], kind: OutputStreamKind,
        onLine: (OutputStreamKind, String) -> Void
    ) {
        var start = bytes.startIndex
        while let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) {
            var line = bytes[start..<newline]
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            if pending.isEmpty {
                onLine(kind, String(decoding: line, as: UTF8.self))
            } else {
                pending.append(contentsOf: line)
                onLine(kind, String(decoding: pending, as: UTF8.self))
                pending.removeAll(keepingCapacity: true)
            }
            start = newline + 1
        }
        pending.append(contentsOf: bytes[start...])
        while pending.count >= maxLineBytes {
            onLine(kind, String(decoding: pending[..<maxLineBytes], as: UTF8.self))
            pending.removeFirst(maxLineBytes)
        }
    }
}
