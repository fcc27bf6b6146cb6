/// Finds line feeds eight bytes at a time. A dump is hundreds of megabytes of short lines;
/// a byte-at-a-time loop over them would cost the pump thread more than the copy does.
enum NewlineSearch {
    private static let lowBits: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
    private static let newlines: UInt64 = 0x0A0A_0A0A_0A0A_0A0A

    /// The index of the first `\n` in `bytes` at or after `start`, or nil.
    static func first(in bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard let base = bytes.baseAddress else { return nil }
        var index = start
        let count = bytes.count
        while index + 8 <= count {
            // Exact per-byte test (no false positives from borrows): a byte of `word` is zero
            // exactly when its high bit stays clear after adding 0x7F to its low seven bits.
            let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: index, as: UInt64.self)) ^ newlines
            let zeroBytes = ~(((word & lowBits) &+ lowBits) | word | lowBits)
            if zeroBytes != 0 { return index + zeroBytes.trailingZeroBitCount / 8 }
            index += 8
        }
        while index < count {
            if base.load(fromByteOffset: index, as: UInt8.self) == 0x0A { return index }
            index += 1
        }
        return nil
    }
}
