import Glibc

/// Cuts one stream's bytes into lines (without their `\n` or `\r\n`), keeping an unterminated
/// tail for the next chunk; a line longer than `PipeLineReader.maxLineBytes` is cut into pieces
/// of that size, wherever its bytes came from.
struct LineSplitter {
    private var pending: [UInt8] = []
    private let maxLineBytes = PipeLineReader.maxLineBytes

    /// The complete lines `bytes` ends (and the full pieces of a long one), in order.
    mutating func split(_ bytes: ArraySlice<UInt8>) -> [String] {
        var lines: [String] = []
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            var start = 0
            // memchr: glibc's vectorized search; most lines are short and most chunks hold many.
            while start < buffer.count, let found = memchr(base + start, 0x0A, buffer.count - start) {
                let newline = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
                let line = UnsafeBufferPointer(start: base + start, count: newline - start)
                if pending.isEmpty && line.count <= maxLineBytes {
                    // The common case: the whole line in this read, no copy but the String's.
                    let end = line.last == UInt8(ascii: "\r") ? line.count - 1 : line.count
                    lines.append(String(decoding: UnsafeBufferPointer(rebasing: line[..<end]), as: UTF8.self))
                } else {
                    pending.append(contentsOf: line)
                    if pending.last == UInt8(ascii: "\r") { pending.removeLast() }
                    cutFullPieces(into: &lines)
                    lines.append(String(decoding: pending, as: UTF8.self))
                    pending.removeAll(keepingCapacity: true)
                }
                start = newline + 1
            }
            pending.append(contentsOf: UnsafeBufferPointer(start: base + start, count: buffer.count - start))
        }
        cutFullPieces(into: &lines)
        return lines
    }

    /// The unterminated last line at the end of the stream, if any.
    mutating func finish() -> String? {
        defer { pending = [] }
        return pending.isEmpty ? nil : String(decoding: pending, as: UTF8.self)
    }

    /// Hands over `pending`'s leading pieces of `maxLineBytes` while more than that is pending.
    private mutating func cutFullPieces(into lines: inout [String]) {
        var cut = 0
        while pending.count - cut > maxLineBytes {
            lines.append(String(decoding: pending[cut..<cut + maxLineBytes], as: UTF8.self))
            cut += maxLineBytes
        }
        pending.removeFirst(cut)
    }
}
