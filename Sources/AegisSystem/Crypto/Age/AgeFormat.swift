/// The constants and key schedule of age-encryption.org/v1, in one place so the encryptor and
/// decryptor cannot disagree.
enum AgeFormat {
    static let versionLine = Array("age-encryption.org/v1".utf8)
    static let versionPrefix = Array("age-encryption.org/".utf8)
    static let fileKeySize = 16
    static let payloadNonceSize = 16
    /// Plaintext bytes per payload chunk (64 KiB); the final chunk may be shorter.
    static let chunkSize = 64 * 1024
    static let tagSize = ChaCha20Poly1305.tagSize
    /// A full chunk as stored: ciphertext and tag.
    static let sealedChunkSize = chunkSize + tagSize
    static let stanzaLineWidth = 64
    static let macLinePrefix = Array("---".utf8)
    static let stanzaPrefix = Array("-> ".utf8)

    static func headerMACKey(fileKey: [UInt8]) throws(CryptoError) -> [UInt8] {
        try HKDFSHA256.derive(key: fileKey, salt: [], info: Array("header".utf8))
    }

    static func payloadKey(fileKey: [UInt8], nonce: [UInt8]) throws(CryptoError) -> [UInt8] {
        try HKDFSHA256.derive(key: fileKey, salt: nonce, info: Array("payload".utf8))
    }

    /// The STREAM nonce of chunk `counter`: an 11-byte big-endian counter, then 0x01 for the
    /// final chunk and 0x00 before it. Written into a 12-byte buffer the caller reuses.
    static func setChunkNonce(_ nonce: UnsafeMutableRawBufferPointer, counter: UInt64, last: Bool) {
        precondition(nonce.count == ChaCha20Poly1305.nonceSize)
        nonce[0] = 0
        nonce[1] = 0
        nonce[2] = 0
        for index in 0..<8 {
            nonce[3 + index] = UInt8(truncatingIfNeeded: counter >> UInt64(56 - 8 * index))
        }
        nonce[11] = last ? 1 : 0
    }
}
