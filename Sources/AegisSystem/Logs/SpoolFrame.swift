import CZlib

/// The framing of one spool record: a 12-byte header, then the body.
///
///     u32 LE  body length
///     u32 LE  CRC-32 of the entry count's 4 bytes and the body
///     u32 LE  entries in the body (for the dropped-lines counter)
///     body    a Loki push body (JSON)
///
/// A record cut short by a crash, or damaged on disk, fails the length or CRC check and is
/// discarded whole: no half batch is ever sent.
enum SpoolFrame {
    static let headerBytes = 12
    /// Larger lengths are damage, not data: batches are ~1 MiB.
    static let maxBodyBytes = 256 << 20

    static func encode(body: [UInt8], entries: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(headerBytes + body.count)
        let count = UInt32(clamping: entries)
        append(UInt32(body.count), to: &out)
        append(checksum(entries: count, body: body[...]), to: &out)
        append(count, to: &out)
        out += body
        return out
    }

    /// The body length and entry count a header announces, or nil when it is not plausible.
    static func header(_ bytes: ArraySlice<UInt8>) -> (length: Int, crc: UInt32, entries: UInt32)? {
        guard bytes.count >= headerBytes else { return nil }
        let length = Int(read(bytes, at: 0))
        guard length <= maxBodyBytes else { return nil }
        return (length, read(bytes, at: 4), read(bytes, at: 8))
    }

    static func checksum(entries: UInt32, body: ArraySlice<UInt8>) -> UInt32 {
        var little = entries.littleEndian
        var crc = withUnsafeBytes(of: &little) { UInt32(crc32(0, $0.baseAddress!.assumingMemoryBound(to: Bytef.self), 4)) }
        body.withUnsafeBytes { raw in
            if raw.count > 0 {
                crc = UInt32(crc32(uLong(crc), raw.baseAddress!.assumingMemoryBound(to: Bytef.self), uInt(raw.count)))
            }
        }
        return crc
    }

    private static func append(_ value: UInt32, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { out += $0 }
    }

    private static func read(_ bytes: ArraySlice<UInt8>, at offset: Int) -> UInt32 {
        let start = bytes.startIndex + offset
        return (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[start + $1]) << (8 * $1) }
    }
}
