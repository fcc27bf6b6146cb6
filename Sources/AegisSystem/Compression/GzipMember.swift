import CZlib

/// One complete gzip member (RFC 1952) of a block of bytes, by zlib. Concatenated members are
/// one valid gzip stream (`gunzip`, `zcat` and every zlib reader handle them), which is what
/// lets `ParallelGzipWriter` compress blocks independently on several cores.
enum GzipMember {
    /// Compresses `input` at `level` (1–9) into a complete member.
    static func compress(_ input: UnsafeRawBufferPointer, level: Int32) throws(SystemError) -> [UInt8] {
        var stream = z_stream()
        // windowBits 15 + 16: a gzip header and trailer instead of zlib's.
        guard deflateInit2_(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                            ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK
        else { throw SystemError("zlib: cannot initialize compression (out of memory?)") }
        defer { deflateEnd(&stream) }
        // deflateBound leaves no room for the gzip header and trailer; 32 bytes more cover them.
        let bound = Int(deflateBound(&stream, uLong(input.count))) + 32
        var result: Int32 = Z_OK
        // Uninitialized: zeroing a megabyte per block only to overwrite it showed in profiles.
        let output = [UInt8](unsafeUninitializedCapacity: bound) { out, initialized in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
            stream.avail_in = uInt(input.count)
            stream.next_out = out.baseAddress!
            stream.avail_out = uInt(out.count)
            result = deflate(&stream, Z_FINISH)
            initialized = out.count - Int(stream.avail_out)
        }
        guard result == Z_STREAM_END else { throw SystemError("zlib: compression failed (code \(result))") }
        return output
    }
}
