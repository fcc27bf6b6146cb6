import Foundation
import Glibc

/// Drains a child's stdout and stderr pipes on a thread of its own and hands over complete
/// lines. A dedicated thread, not the cooperative pool: a child must never be slowed because the
/// daemon is busy, and blocking `poll` has no place on the pool's two threads.
///
/// Lines are handed over in batches, all the lines one read brought of one stream at a time, so
/// that a consumer takes its locks once per read rather than once per line (a fast child writes
/// a thousand lines per 64 KiB read).
///
/// The reader owns the read ends and closes them at end of file, which comes only when every
/// holder of the write ends has exited (a postmaster's backends included).
enum PipeLineReader {
    /// Longer lines are cut into pieces of this size rather than buffered without bound.
    static let maxLineBytes = 64 * 1024

    /// Bytes a drain-ahead reader holds for its line thread before it drops output.
    static let drainAheadMaxBytes = 64 << 20

    /// - Parameter drainAhead: read into a buffer on one thread and cut lines on another, so
    ///   that the child is never slowed by what `onLines` costs (supervised servers); without
    ///   it, lines are handed over by the reader itself, all before the pipes close (one-shot
    ///   commands whose output is read after they exit).
    /// - Parameter onDropped: bytes a drain-ahead reader dropped because the line thread fell
    ///   `aheadMaxBytes` behind (also reported to `onLines` as a line of its own).
    static func start(
        _ streams: [(fd: Int32, kind: OutputStreamKind)], drainAhead: Bool = false, aheadMaxBytes: Int = drainAheadMaxBytes,
        onLines: @escaping @Sendable (OutputStreamKind, [String]) -> Void,
        onDropped: @escaping @Sendable (Int) -> Void = { _ in },
        onFinished: @escaping @Sendable () -> Void = {}
    ) {
        guard drainAhead else {
            DedicatedThread.start("aegis-pipe-read") {
                drain(fds: streams.map(\.fd), kinds: streams.map(\.kind), onLines: onLines)
                onFinished()
            }
            return
        }
        let queue = OutputChunkQueue(maxBytes: aheadMaxBytes)
        DedicatedThread.start("aegis-pipe-line", priority: .background) {
            var splitters: [OutputStreamKind: LineSplitter] = [:]
            while let (chunk, dropped) = queue.take() {
                if dropped > 0 {
                    onDropped(dropped)
                    onLines(.stderr, ["aegisd: \(dropped) bytes of this child's output were dropped: the log pipeline fell behind"])
                }
                guard let chunk else { continue }
                let lines = splitters[chunk.kind, default: LineSplitter()].split(chunk.bytes[...])
                if !lines.isEmpty { onLines(chunk.kind, lines) }
            }
            for (kind, var splitter) in splitters {
                if let rest = splitter.finish() { onLines(kind, [rest]) }
            }
            onFinished()
        }
        DedicatedThread.start("aegis-pipe-read") {
            drain(fds: streams.map(\.fd)) { index, chunk in queue.put(streams[index].kind, chunk) }
            queue.close()
        }
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
    private static func drain(fds: [Int32], kinds: [OutputStreamKind], onLines: @Sendable (OutputStreamKind, [String]) -> Void) {
        var splitters = [LineSplitter](repeating: LineSplitter(), count: fds.count)
        drain(
            fds: fds,
            onChunk: { index, chunk in
                let lines = splitters[index].split(chunk)
                if !lines.isEmpty { onLines(kinds[index], lines) }
            },
            onEnd: { ended in
                if let rest = splitters[ended].finish() { onLines(kinds[ended], [rest]) }
            })
    }
}
