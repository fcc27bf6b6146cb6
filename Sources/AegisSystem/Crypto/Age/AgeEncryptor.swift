import CLibCrypto

/// Encrypts a stream to age recipients (age-encryption.org/v1), writing ciphertext to a sink
/// as it goes. At most one 64 KiB chunk of plaintext is held, whatever the stream's size, and
/// the buffers are allocated once, so a multi-gigabyte dump costs no more memory than a small
/// one. Used from one thread at a time.
///
///     let encryptor = try AgeEncryptor(recipients: [.parse("age1…")]) { try file.write($0) }
///     try encryptor.write(piece)   // any number of times, pieces of any size
///     try encryptor.finish()       // writes the final chunk; required
public final class AgeEncryptor {
    private let output: (UnsafeRawBufferPointer) throws -> Void
    /// Header and payload nonce, written with the first output so that creating an encryptor
    /// performs no I/O.
    private var pendingPrefix: [UInt8]?
    private let cipher: ChaCha20Poly1305
    private var counter: UInt64 = 0
    private let plaintext: UnsafeMutableRawBufferPointer
    private var buffered = 0
    private let sealed: UnsafeMutableRawBufferPointer
    private let nonce: UnsafeMutableRawBufferPointer
    private var finished = false
    /// The first error thrown; a stream that failed halfway must not be continued.
    private var failure: (any Error)?

    /// Plaintext bytes accepted so far.
    public private(set) var plaintextBytes: Int64 = 0
    /// Ciphertext bytes written to the sink so far (header included).
    public private(set) var ciphertextBytes: Int64 = 0

    /// Prepares a file for `recipients`: one or more X25519 keys, or exactly one passphrase.
    /// A passphrase recipient runs scrypt here, which takes about a second at work factor 18.
    public init(recipients: [AgeRecipient], output: @escaping (UnsafeRawBufferPointer) throws -> Void) throws(AgeError) {
        guard !recipients.isEmpty else { throw .noRecipients }
        let passphrases = recipients.filter { if case .passphrase = $0 { true } else { false } }
        guard passphrases.isEmpty || recipients.count == 1 else { throw .passphraseMustBeAlone }

        let fileKey: [UInt8]
        let payloadNonce: [UInt8]
        do {
            fileKey = try SecureRandom.bytes(AgeFormat.fileKeySize)
            payloadNonce = try SecureRandom.bytes(AgeFormat.payloadNonceSize)
        } catch {
            throw .crypto(error)
        }
        var stanzas: [AgeStanza] = []
        for recipient in recipients {
            stanzas.append(try recipient.wrap(fileKey: fileKey))
        }
        do {
            let header = try AgeHeader(stanzas: stanzas, fileKey: fileKey)
            cipher = try ChaCha20Poly1305(
                key: AgeFormat.payloadKey(fileKey: fileKey, nonce: payloadNonce), sealing: true)
            pendingPrefix = header.serialized() + payloadNonce
        } catch {
            throw .crypto(error)
        }
        self.output = output
        plaintext = .allocate(byteCount: AgeFormat.chunkSize, alignment: 16)
        sealed = .allocate(byteCount: AgeFormat.sealedChunkSize, alignment: 16)
        nonce = .allocate(byteCount: ChaCha20Poly1305.nonceSize, alignment: 16)
    }

    deinit {
        // The plaintext buffer held part of the secret being protected.
        OPENSSL_cleanse(plaintext.baseAddress, plaintext.count)
        plaintext.deallocate()
        sealed.deallocate()
        nonce.deallocate()
    }

    /// Takes the next piece of plaintext, of any size. Full chunks are sealed and written as
    /// soon as it is certain they are not the last one. After an error (the sink's own errors
    /// pass through unchanged) the encryptor keeps throwing it.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        if let failure { throw failure }
        precondition(!finished, "AgeEncryptor.write after finish")
        do {
            try append(bytes)
        } catch {
            failure = error
            throw error
        }
    }

    private func append(_ bytes: UnsafeRawBufferPointer) throws {
        guard var base = bytes.baseAddress, bytes.count > 0 else { return }
        var remaining = bytes.count
        plaintextBytes += Int64(remaining)
        while remaining > 0 {
            // A full buffer is sealed only when more data follows: if the stream ended here it
            // would have to be the final chunk, flagged as such.
            if buffered == AgeFormat.chunkSize {
                try sealChunk(UnsafeRawBufferPointer(plaintext), last: false)
                buffered = 0
            }
            // Whole chunks straight from the caller's memory, skipping the copy, when at least
            // one more byte follows them.
            if buffered == 0 && remaining > AgeFormat.chunkSize {
                try sealChunk(UnsafeRawBufferPointer(start: base, count: AgeFormat.chunkSize), last: false)
                base += AgeFormat.chunkSize
                remaining -= AgeFormat.chunkSize
                continue
            }
            let take = min(remaining, AgeFormat.chunkSize - buffered)
            (plaintext.baseAddress! + buffered).copyMemory(from: base, byteCount: take)
            buffered += take
            base += take
            remaining -= take
        }
    }

    /// Seals the final chunk (empty only when the whole plaintext was empty, as the format
    /// requires) and writes it. The ciphertext is complete afterwards.
    public func finish() throws {
        if let failure { throw failure }
        precondition(!finished, "AgeEncryptor.finish called twice")
        finished = true
        do {
            try sealChunk(UnsafeRawBufferPointer(start: plaintext.baseAddress, count: buffered), last: true)
            buffered = 0
        } catch {
            failure = error
            throw error
        }
    }

    private func sealChunk(_ chunk: UnsafeRawBufferPointer, last: Bool) throws {
        if let prefix = pendingPrefix {
            pendingPrefix = nil
            try prefix.withUnsafeBytes { try emit($0) }
        }
        AgeFormat.setChunkNonce(nonce, counter: counter, last: last)
        do {
            try cipher.seal(chunk, nonce: nonce.baseAddress!, into: sealed.baseAddress!)
        } catch {
            throw AgeError.crypto(error)
        }
        counter += 1
        try emit(UnsafeRawBufferPointer(start: sealed.baseAddress, count: chunk.count + AgeFormat.tagSize))
    }

    private func emit(_ bytes: UnsafeRawBufferPointer) throws {
        try output(bytes)
        ciphertextBytes += Int64(bytes.count)
    }

    /// Encrypts a whole in-memory message; for small data and tests.
    public static func encrypt(_ plaintext: [UInt8], to recipients: [AgeRecipient]) throws -> [UInt8] {
        var ciphertext: [UInt8] = []
        let encryptor = try AgeEncryptor(recipients: recipients) { ciphertext.append(contentsOf: $0) }
        try plaintext.withUnsafeBytes { try encryptor.write($0) }
        try encryptor.finish()
        return ciphertext
    }
}
