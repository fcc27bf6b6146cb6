import CLibCrypto

/// ChaCha20-Poly1305 (RFC 7539) with a 12-byte nonce and a 16-byte tag, on one reusable
/// `EVP_CIPHER_CTX`: the key schedule is set once and each message only resets the nonce, which
/// matters when a multi-gigabyte backup is sealed 64 KiB at a time.
///
/// An instance either seals or opens, and is used from one thread at a time.
final class ChaCha20Poly1305 {
    static let keySize = 32
    static let nonceSize = 12
    static let tagSize = 16

    private let context: OpaquePointer
    private let sealing: Bool

    init(key: [UInt8], sealing: Bool) throws(CryptoError) {
        precondition(key.count == Self.keySize, "ChaCha20-Poly1305 keys are 32 bytes")
        guard let context = EVP_CIPHER_CTX_new() else { throw CryptoError("cipher context allocation") }
        guard EVP_CipherInit_ex(context, EVP_chacha20_poly1305(), nil, key, nil, sealing ? 1 : 0) == 1 else {
            EVP_CIPHER_CTX_free(context)
            throw CryptoError("ChaCha20-Poly1305 key setup")
        }
        self.context = context
        self.sealing = sealing
    }

    deinit {
        // Frees and cleanses the key schedule.
        EVP_CIPHER_CTX_free(context)
    }

    /// Writes `plaintext.count + 16` bytes, ciphertext then tag, at `output`.
    func seal(_ plaintext: UnsafeRawBufferPointer, nonce: UnsafeRawPointer, into output: UnsafeMutableRawPointer) throws(CryptoError) {
        precondition(sealing, "seal on an opening ChaCha20-Poly1305 context")
        let out = output.assumingMemoryBound(to: UInt8.self)
        var written: Int32 = 0
        var finalWritten: Int32 = 0
        guard EVP_CipherInit_ex(context, nil, nil, nil, nonce.assumingMemoryBound(to: UInt8.self), -1) == 1,
              EVP_CipherUpdate(context, out, &written, plaintext.baseAddress?.assumingMemoryBound(to: UInt8.self), Int32(plaintext.count)) == 1,
              EVP_CipherFinal_ex(context, out + Int(written), &finalWritten) == 1,
              Int(written + finalWritten) == plaintext.count,
              EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_AEAD_GET_TAG, Int32(Self.tagSize), output + plaintext.count) == 1
        else { throw CryptoError("ChaCha20-Poly1305 seal") }
    }

    /// Decrypts `sealed` (ciphertext then 16-byte tag) to `sealed.count - 16` bytes at `output`
    /// and returns whether the tag verified. On false, what was written at `output` is not
    /// authentic and must not be released.
    func open(_ sealed: UnsafeRawBufferPointer, nonce: UnsafeRawPointer, into output: UnsafeMutableRawPointer) throws(CryptoError) -> Bool {
        precondition(!sealing, "open on a sealing ChaCha20-Poly1305 context")
        guard sealed.count >= Self.tagSize, let base = sealed.baseAddress else { return false }
        let ciphertextCount = sealed.count - Self.tagSize
        let out = output.assumingMemoryBound(to: UInt8.self)
        var written: Int32 = 0
        var finalWritten: Int32 = 0
        guard EVP_CipherInit_ex(context, nil, nil, nil, nonce.assumingMemoryBound(to: UInt8.self), -1) == 1,
              EVP_CipherUpdate(context, out, &written, base.assumingMemoryBound(to: UInt8.self), Int32(ciphertextCount)) == 1,
              EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_AEAD_SET_TAG, Int32(Self.tagSize), UnsafeMutableRawPointer(mutating: base + ciphertextCount)) == 1
        else { throw CryptoError("ChaCha20-Poly1305 open") }
        // A failed final is the tag mismatch, the one expected failure: not a library error.
        guard EVP_CipherFinal_ex(context, out + Int(written), &finalWritten) == 1 else {
            ERR_clear_error()
            return false
        }
        return Int(written + finalWritten) == ciphertextCount
    }

    /// Seals a short message under a fresh key with the all-zero nonce, as age's stanza bodies
    /// do (each wrap key is used exactly once, so the fixed nonce is safe).
    static func sealOnce(_ plaintext: [UInt8], key: [UInt8]) throws(CryptoError) -> [UInt8] {
        let cipher = try ChaCha20Poly1305(key: key, sealing: true)
        let nonce = [UInt8](repeating: 0, count: nonceSize)
        var output = [UInt8](repeating: 0, count: plaintext.count + tagSize)
        // The standard library's pointer closures are untyped-rethrows: carry the error out.
        let result: Result<Void, CryptoError> = plaintext.withUnsafeBytes { plaintext in
            output.withUnsafeMutableBytes { output in
                Result { () throws(CryptoError) in try cipher.seal(plaintext, nonce: nonce, into: output.baseAddress!) }
            }
        }
        try result.get()
        return output
    }

    /// Opens a short message sealed by `sealOnce`; nil when it does not authenticate.
    static func openOnce(_ sealed: [UInt8], key: [UInt8]) throws(CryptoError) -> [UInt8]? {
        guard sealed.count >= tagSize else { return nil }
        let cipher = try ChaCha20Poly1305(key: key, sealing: false)
        let nonce = [UInt8](repeating: 0, count: nonceSize)
        // One spare byte so the buffer has an address even for an empty plaintext.
        var output = [UInt8](repeating: 0, count: sealed.count - tagSize + 1)
        let result: Result<Bool, CryptoError> = sealed.withUnsafeBytes { sealed in
            output.withUnsafeMutableBytes { output in
                Result { () throws(CryptoError) in try cipher.open(sealed, nonce: nonce, into: output.baseAddress!) }
            }
        }
        return try result.get() ? Array(output.dropLast()) : nil
    }
}
