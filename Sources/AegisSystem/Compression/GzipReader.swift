import CZlib

/// Streaming gunzip, for restores and restore drills: fed compressed bytes in pieces of any
/// size, hands out the decompressed bytes in pieces. Handles concatenated members (what
/// `ParallelGzipWriter` and `pigz` write) and refuses a stream that ends inside a member.
public final class GzipReader {
    private var stream = z_stream()
    private var output = [UInt8](repeating: 0, count: 1 << 18)
    /// Whether the last member ended cleanly (and no new one has begun since).
    private var atMemberEnd = false
    private let sink: (UnsafeRawBufferPointer) throws -> Void

    public init(sink: @escaping (UnsafeRawBufferPointer) throws -> Void) throws(SystemError) {
        self.sink = sink
        // windowBits 15 + 32: accept gzip (and zlib) headers.
        guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw SystemError("zlib: cannot initialize decompression (out of memory?)")
        }
    }

    deinit {
        inflateEnd(&stream)
    }

    /// Decompresses `bytes`, passing the output to the sink.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        stream.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(bytes.count)
        while stream.avail_in > 0 {
            if atMemberEnd {
                // Another member follows the one that ended.
                guard inflateReset(&stream) == Z_OK else { throw SystemError("zlib: cannot reset decompression") }
                atMemberEnd = false
            }
            let (result, produced) = output.withUnsafeMutableBytes { out -> (Int32, Int) in
                stream.next_out = out.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(out.count)
                let result = inflate(&stream, Z_NO_FLUSH)
                return (result, out.count - Int(stream.avail_out))
            }
            if produced > 0 { try output.withUnsafeBytes { try sink(UnsafeRawBufferPointer(rebasing: $0.prefix(produced))) } }
            switch result {
            case Z_OK, Z_BUF_ERROR:
                continue
            case Z_STREAM_END:
                atMemberEnd = true
            default:
                let detail = stream.msg.map { String(cString: $0) } ?? "code \(result)"
                throw SystemError("the gzip data is corrupt: \(detail)")
            }
        }
    }

    /// Ends the stream; throws when it stopped in the middle of a member.
    public func finish() throws(SystemError) {
        guard atMemberEnd else { throw SystemError("the gzip data is truncated: it ends inside a compressed member") }
    }
}
