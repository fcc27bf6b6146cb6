@testable import AegisSystem
import Testing

/// Every way a stored backup can be damaged is refused, each with its own error, and no
/// plaintext of a damaged chunk is ever released.
@Suite struct AgeTamperTests {
    static let chunk = AgeTestSupport.chunk
    static let sealedChunk = chunk + 16

    struct Sample {
        let identity: AgeX25519Identity
        let plaintext: [UInt8]
        let ciphertext: [UInt8]
        /// Offset of the first payload chunk (after the header and the 16-byte nonce).
        let payloadStart: Int
        var identities: [AgeIdentity] { [.x25519(identity)] }
    }

    /// Three full chunks and a 100-byte final chunk.
    static func sample(size: Int = 3 * chunk + 100, extraRecipient: AgeX25519Recipient? = nil) throws -> Sample {
        let identity = try AgeX25519Identity.generate()
        let plaintext = AgeTestSupport.sample(bytes: size, seed: 42)
        var recipients: [AgeRecipient] = [.x25519(identity.recipient)]
        if let extraRecipient { recipients.append(.x25519(extraRecipient)) }
        let ciphertext = try AgeEncryptor.encrypt(plaintext, to: recipients)
        return Sample(identity: identity, plaintext: plaintext, ciphertext: ciphertext, payloadStart: headerLength(ciphertext) + 16)
    }

    /// Length of the header through the MAC line's newline.
    static func headerLength(_ file: [UInt8]) -> Int {
        let marker = Array("\n--- ".utf8)
        let start = (0...(file.count - marker.count)).first { Array(file[$0..<($0 + marker.count)]) == marker }!
        return file[(start + 1)...].firstIndex(of: 0x0A)! + 1
    }

    @Test func testEveryFlippedHeaderByte_isRefused() throws {
        let sample = try Self.sample(size: 10)
        for index in 0..<Self.headerLength(sample.ciphertext) {
            var damaged = sample.ciphertext
            damaged[index] ^= 0x01
            #expect(AgeTestSupport.decryptionError(damaged, with: sample.identities) != nil, "flip at \(index)")
        }
    }

    @Test func testAModifiedStanzaOfAnotherRecipient_failsTheHeaderMAC() throws {
        let other = try AgeX25519Identity.generate()
        let sample = try Self.sample(size: 1000, extraRecipient: other.recipient)
        // The second stanza's body line: change one base64 character for another.
        let header = Array(sample.ciphertext[..<Self.headerLength(sample.ciphertext)])
        let lines = header.split(separator: 0x0A, omittingEmptySubsequences: false)
        let bodyLineStart = lines[0..<4].reduce(0) { $0 + $1.count + 1 }
        var damaged = sample.ciphertext
        damaged[bodyLineStart + 5] = damaged[bodyLineStart + 5] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        #expect(AgeTestSupport.decryptionError(damaged, with: sample.identities) == .headerMACMismatch)
        #expect(AgeTestSupport.decryptionError(damaged, with: [.x25519(other)]) == .noIdentityMatched)
    }

    @Test func testAFlippedMAC_isRefused() throws {
        let sample = try Self.sample(size: 1000)
        let macStart = Self.headerLength(sample.ciphertext) - 44
        var damaged = sample.ciphertext
        damaged[macStart] = damaged[macStart] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        #expect(AgeTestSupport.decryptionError(damaged, with: sample.identities) == .headerMACMismatch)
    }

    @Test func testAFlippedPayloadByte_isRefused_withNothingOfThatChunkReleased() throws {
        let sample = try Self.sample()
        var damaged = sample.ciphertext
        damaged[sample.payloadStart + Self.sealedChunk + Self.chunk / 2] ^= 0x80
        var released: [UInt8] = []
        let decryptor = AgeDecryptor(identities: sample.identities) { released += $0 }
        #expect(throws: AgeError.chunkAuthenticationFailed(chunk: 1)) {
            try AgeTestSupport.feed(damaged, pieceSize: 5000) { try decryptor.write($0) }
            try decryptor.finish()
        }
        #expect(released == Array(sample.plaintext.prefix(Self.chunk)))

        var lastDamaged = sample.ciphertext
        lastDamaged[lastDamaged.count - 50] ^= 0x01
        #expect(AgeTestSupport.decryptionError(lastDamaged, with: sample.identities) == .finalChunkAuthenticationFailed(chunk: 3))
        var nonceDamaged = sample.ciphertext
        nonceDamaged[sample.payloadStart - 3] ^= 0x01
        #expect(AgeTestSupport.decryptionError(nonceDamaged, with: sample.identities) == .chunkAuthenticationFailed(chunk: 0))
    }

    @Test func testTruncation_atAChunkBoundary_andInsideAChunk() throws {
        let sample = try Self.sample()
        let file = sample.ciphertext
        let ids = sample.identities
        #expect(AgeTestSupport.decryptionError(Array(file.prefix(sample.payloadStart + 2 * Self.sealedChunk)), with: ids)
            == .missingFinalChunk(afterChunks: 2))
        #expect(AgeTestSupport.decryptionError(Array(file.prefix(sample.payloadStart + 3 * Self.sealedChunk)), with: ids, pieceSize: 3000)
            == .missingFinalChunk(afterChunks: 3))
        #expect(AgeTestSupport.decryptionError(Array(file.prefix(sample.payloadStart + Self.sealedChunk + 1000)), with: ids)
            == .finalChunkAuthenticationFailed(chunk: 1))
        #expect(AgeTestSupport.decryptionError(Array(file.dropLast()), with: ids) == .finalChunkAuthenticationFailed(chunk: 3))
        #expect(AgeTestSupport.decryptionError(Array(file.prefix(sample.payloadStart)), with: ids) == .missingFinalChunk(afterChunks: 0))
        #expect(AgeTestSupport.decryptionError(Array(file.prefix(sample.payloadStart - 5)), with: ids) == .truncatedHeader)
        #expect(AgeTestSupport.decryptionError(Array(file.prefix(40)), with: ids) == .truncatedHeader)
        #expect(AgeTestSupport.decryptionError([], with: ids) == .truncatedHeader)
    }

    @Test(arguments: [0, 100, 2 * chunk, 3 * chunk + 100])
    func testTrailingData_isRefused(size: Int) throws {
        let sample = try Self.sample(size: size)
        for extra in [[UInt8(0x0A)], [UInt8](repeating: 0, count: 100), AgeTestSupport.sample(bytes: 1000, seed: 7)] {
            #expect(AgeTestSupport.decryptionError(sample.ciphertext + extra, with: sample.identities, pieceSize: 777) == .trailingData)
        }
    }

    @Test func testWrongIdentity_matchesNothing() throws {
        let sample = try Self.sample(size: 10)
        #expect(AgeTestSupport.decryptionError(sample.ciphertext, with: [.x25519(try .generate())]) == .noIdentityMatched)
        #expect(AgeTestSupport.decryptionError(sample.ciphertext, with: []) == .noIdentityMatched)
        #expect(AgeTestSupport.decryptionError(sample.ciphertext, with: [.passphrase("x")]) == .noIdentityMatched)
    }

    @Test func testNotAgeAtAll_andOtherVersions() throws {
        let ids: [AgeIdentity] = [.x25519(try .generate())]
        #expect(AgeTestSupport.decryptionError(Array("hello, world\n".utf8), with: ids) == .notAnAgeFile)
        #expect(AgeTestSupport.decryptionError(Array("-----BEGIN AGE ENCRYPTED FILE-----\n".utf8), with: ids) == .notAnAgeFile)
        #expect(AgeTestSupport.decryptionError(Array("age-encryption.org/v2\n-> X25519 abc\n".utf8), with: ids) == .unsupportedVersion("v2"))
        // A binary file is refused from its first bytes, not buffered.
        #expect(AgeTestSupport.decryptionError(AgeTestSupport.sample(bytes: 3_000_000), with: ids, pieceSize: 4096) == .notAnAgeFile)
    }

    // MARK: Files no correct encoder writes, built by hand

    /// An age file for `identity` whose chunks are given explicitly, with their final flags.
    static func craft(identity: AgeX25519Identity, chunks: [(plaintext: [UInt8], last: Bool)], extraStanzas: [AgeStanza] = []) throws -> [UInt8] {
        let fileKey = try SecureRandom.bytes(16)
        let nonce = try SecureRandom.bytes(16)
        let stanzas = [try AgeX25519Stanza.wrap(fileKey: fileKey, to: identity.recipient)] + extraStanzas
        var file = try AgeHeader(stanzas: stanzas, fileKey: fileKey).serialized() + nonce
        let cipher = try ChaCha20Poly1305(key: AgeFormat.payloadKey(fileKey: fileKey, nonce: nonce), sealing: true)
        for (counter, chunk) in chunks.enumerated() {
            var chunkNonce = [UInt8](repeating: 0, count: 12)
            chunkNonce.withUnsafeMutableBytes { AgeFormat.setChunkNonce($0, counter: UInt64(counter), last: chunk.last) }
            var sealed = [UInt8](repeating: 0, count: chunk.plaintext.count + 16)
            try chunk.plaintext.withUnsafeBytes { plaintext in
                try sealed.withUnsafeMutableBytes { try cipher.seal(plaintext, nonce: chunkNonce, into: $0.baseAddress!) }
            }
            file += sealed
        }
        return file
    }

    @Test func testHandCraftedFiles_followTheSpecRules() throws {
        let identity = try AgeX25519Identity.generate()
        let ids: [AgeIdentity] = [.x25519(identity)]
        let full = AgeTestSupport.sample(bytes: Self.chunk)
        // The reference: a full final chunk is valid, and so is one empty chunk alone.
        #expect(try AgeDecryptor.decrypt(try Self.craft(identity: identity, chunks: [(full, true)]), identities: ids) == full)
        #expect(try AgeDecryptor.decrypt(try Self.craft(identity: identity, chunks: [([], true)]), identities: ids) == [])
        #expect(AgeTestSupport.decryptionError(try Self.craft(identity: identity, chunks: [(full, false), ([], true)]), with: ids)
            == .emptyFinalChunk(chunk: 1))
        #expect(AgeTestSupport.decryptionError(try Self.craft(identity: identity, chunks: [(full, true), ([1, 2, 3], true)]), with: ids)
            == .trailingData)
        #expect(AgeTestSupport.decryptionError(try Self.craft(identity: identity, chunks: [([1, 2, 3], false)]), with: ids)
            == .finalChunkAuthenticationFailed(chunk: 0))
        #expect(AgeTestSupport.decryptionError(try Self.craft(identity: identity, chunks: []), with: ids)
            == .missingFinalChunk(afterChunks: 0))
        // A short chunk in the middle is not allowed either: only the last may be short.
        #expect(AgeTestSupport.decryptionError(try Self.craft(identity: identity, chunks: [([1, 2, 3], false), (full, true)]), with: ids)
            == .chunkAuthenticationFailed(chunk: 0))
    }

    @Test func testAnScryptStanzaBesideAnother_isRefused() throws {
        let identity = try AgeX25519Identity.generate()
        let scrypt = try AgeRecipient.passphrase("x", workFactor: 1).wrap(fileKey: try SecureRandom.bytes(16))
        let file = try Self.craft(identity: identity, chunks: [([1], true)], extraStanzas: [scrypt])
        #expect(AgeTestSupport.decryptionError(file, with: [.x25519(identity)]) == .scryptStanzaNotAlone)
        #expect(AgeTestSupport.decryptionError(file, with: [.passphrase("x")]) == .scryptStanzaNotAlone)
    }
}
