import CLibCrypto

/// The payload half of decryption: the STREAM of 64 KiB ChaCha20-Poly1305 chunks after the
/// header and nonce. It releases each chunk once its tag verifies, and at the end proves that
/// the last chunk carried the final flag, telling truncation, trailing data and modification
/// apart. What it releases before an error is exactly what the reference implementation
/// releases (the CCTV testkit's payload hashes check this). Buffers are allocated once.
final class AgePayloadOpener {
    /// How many bytes of trailing garbage a failed final chunk is probed for, to tell "data
    /// after the end" from "modified". Costs up to this many trial decryptions, only on error.
    static let trailingDataProbe = 1024

    private let output: (UnsafeRawBufferPointer) throws -> Void
    private let cipher: ChaCha20Poly1305
    private var counter: UInt64 = 0
    /// Ciphertext not yet decrypted: up to one sealed chunk plus one byte, the byte proving
    /// the chunk before it is not the last.
    private let pending: UnsafeMutableRawBufferPointer
    private var pendingCount = 0
    private let plaintext: UnsafeMutableRawBufferPointer
    private let nonce: UnsafeMutableRawBufferPointer

    /// Plaintext bytes released so far.
    private(set) var plaintextBytes: Int64 = 0

    init(payloadKey: [UInt8], output: @escaping (UnsafeRawBufferPointer) throws -> Void) throws(CryptoError) {
        cipher = try ChaCha20Poly1305(key: payloadKey, sealing: false)
        self.output = output
        pending = .allocate(byteCount: AgeFormat.sealedChunkSize + 1, alignment: 16)
        plaintext = .allocate(byteCount: AgeFormat.chunkSize, alignment: 16)
        nonce = .allocate(byteCount: ChaCha20Poly1305.nonceSize, alignment: 16)
    }

    deinit {
        OPENSSL_cleanse(plaintext.baseAddress, plaintext.count)
        pending.deallocate()
        plaintext.deallocate()
        nonce.deallocate()
    }

    func write(_ input: UnsafeRawBufferPointer) throws {
        guard var base = input.baseAddress else { return }
        var remaining = input.count
        let sealedSize = AgeFormat.sealedChunkSize
        while remaining > 0 {
            // Whole chunks straight from the caller's memory when at least one byte follows
            // them, which proves they are not the last.
            if pendingCount == 0 && remaining > sealedSize {
                try openInnerChunk(UnsafeRawBufferPointer(start: base, count: sealedSize))
                base += sealedSize
                remaining -= sealedSize
                continue
            }
            let take = min(remaining, pending.count - pendingCount)
            (pending.baseAddress! + pendingCount).copyMemory(from: base, byteCount: take)
            pendingCount += take
            base += take
            remaining -= take
            if pendingCount == pending.count {
                try openInnerChunk(UnsafeRawBufferPointer(start: pending.baseAddress, count: sealedSize))
                pending[0] = pending[sealedSize]
                pendingCount = 1
            }
        }
    }

    /// The end of the file: what is pending must be the final chunk.
    func finish() throws {
        let tail = UnsafeRawBufferPointer(start: pending.baseAddress, count: pendingCount)
        guard pendingCount > 0 else { throw AgeError.missingFinalChunk(afterChunks: counter) }
        if try open(tail, last: true) {
            // Only an empty file may end with an empty chunk; age never writes one otherwise.
            guard pendingCount > AgeFormat.tagSize || counter == 0 else { throw AgeError.emptyFinalChunk(chunk: counter) }
            try release(count: pendingCount - AgeFormat.tagSize)
            return
        }
        if pendingCount == AgeFormat.sealedChunkSize, try open(tail, last: false) {
            // An authentic inner chunk: released like every inner chunk before it (as age
            // does), and then the missing end is the error.
            try release(count: AgeFormat.chunkSize)
            throw AgeError.missingFinalChunk(afterChunks: counter)
        }
        if try probeForTrailingData(tail) { throw AgeError.trailingData }
        throw AgeError.finalChunkAuthenticationFailed(chunk: counter)
    }

    /// A full-size chunk with more data after it: it must be an inner chunk.
    private func openInnerChunk(_ sealed: UnsafeRawBufferPointer) throws {
        if try open(sealed, last: false) {
            try release(count: AgeFormat.chunkSize)
            return
        }
        // Diagnose before failing: a valid final chunk here means data follows the end. That
        // chunk is authentic and is released as age releases it; the error follows.
        if try open(sealed, last: true) {
            try release(count: AgeFormat.chunkSize)
            throw AgeError.trailingData
        }
        if try probeForTrailingData(sealed) { throw AgeError.trailingData }
        throw AgeError.chunkAuthenticationFailed(chunk: counter)
    }

    /// Whether some prefix of `sealed`, shorter by 1 to `trailingDataProbe` bytes, is a valid
    /// final chunk: then the rest is data appended after the end, not a modification.
    private func probeForTrailingData(_ sealed: UnsafeRawBufferPointer) throws -> Bool {
        let longest = sealed.count - AgeFormat.tagSize
        guard longest >= 1 else { return false }
        for cut in 1...min(Self.trailingDataProbe, longest) {
            if try open(UnsafeRawBufferPointer(rebasing: sealed[..<(sealed.count - cut)]), last: true) { return true }
        }
        return false
    }

    /// Decrypts chunk `counter` into `plaintext`; false when it does not authenticate with
    /// the given final flag.
    private func open(_ sealed: UnsafeRawBufferPointer, last: Bool) throws -> Bool {
        AgeFormat.setChunkNonce(nonce, counter: counter, last: last)
        do {
            return try cipher.open(sealed, nonce: nonce.baseAddress!, into: plaintext.baseAddress!)
        } catch {
            throw AgeError.crypto(error)
        }
    }

    private func release(count: Int) throws {
        counter += 1
        plaintextBytes += Int64(count)
        guard count > 0 else { return }
        try output(UnsafeRawBufferPointer(start: plaintext.baseAddress, count: count))
    }
}
