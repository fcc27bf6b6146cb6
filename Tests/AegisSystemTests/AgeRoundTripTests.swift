import AegisSystem
import Testing

/// Our encryptor and decryptor against each other: sizes around the 64 KiB chunk boundary,
/// pieces of every size, several recipients, passphrases.
@Suite struct AgeRoundTripTests {
    static let chunk = AgeTestSupport.chunk

    @Test(arguments: [0, 1, chunk - 1, chunk, chunk + 1, 3 * chunk, 3 * 1024 * 1024 + 17])
    func testRoundTrip_x25519(size: Int) throws {
        let identity = try AgeX25519Identity.generate()
        let plaintext = AgeTestSupport.sample(bytes: size)
        let ciphertext = try AgeTestSupport.encrypt(plaintext, to: [.x25519(identity.recipient)], pieceSize: 10_007)
        // One tag per chunk; an empty file still has one (empty) final chunk.
        let chunks = max(1, (size + Self.chunk - 1) / Self.chunk)
        let header = ciphertext.count - 16 - size - 16 * chunks
        #expect(header > 0 && header < 300)
        #expect(try AgeTestSupport.decrypt(ciphertext, with: [.x25519(identity)], pieceSize: 4099) == plaintext)
        #expect(try AgeTestSupport.decrypt(ciphertext, with: [.x25519(identity)]) == plaintext)
    }

    @Test(arguments: [1, 2, 15, 16, 17, 1000, 65_552, 65_553, 200_000])
    func testDecryptor_acceptsAnyPieceSize(pieceSize: Int) throws {
        let identity = try AgeX25519Identity.generate()
        let plaintext = AgeTestSupport.sample(bytes: 2 * Self.chunk + 5)
        let ciphertext = try AgeEncryptor.encrypt(plaintext, to: [.x25519(identity.recipient)])
        #expect(try AgeTestSupport.decrypt(ciphertext, with: [.x25519(identity)], pieceSize: pieceSize) == plaintext)
    }

    @Test func testEncryptor_countsBytes_andFeedsAByteSink() throws {
        final class Collector: ByteSink {
            var bytes: [UInt8] = []
            func write(_ bytes: UnsafeRawBufferPointer) throws { self.bytes += bytes }
        }
        let identity = try AgeX25519Identity.generate()
        let collector = Collector()
        let encryptor = try AgeEncryptor(recipients: [.x25519(identity.recipient)], sink: collector)
        #expect(collector.bytes.isEmpty, "creating an encryptor writes nothing yet")
        let plaintext = AgeTestSupport.sample(bytes: 100_000)
        try AgeTestSupport.feed(plaintext, pieceSize: 3000) { try encryptor.write($0) }
        try encryptor.finish()
        #expect(encryptor.plaintextBytes == 100_000)
        #expect(encryptor.ciphertextBytes == Int64(collector.bytes.count))

        let restored = Collector()
        let decryptor = AgeDecryptor(identities: [.x25519(identity)], sink: restored)
        try AgeTestSupport.feed(collector.bytes, pieceSize: 7000) { try decryptor.write($0) }
        try decryptor.finish()
        #expect(restored.bytes == plaintext)
        #expect(decryptor.plaintextBytes == 100_000)
    }

    @Test func testSeveralRecipients_eachIdentityDecrypts() throws {
        let identities = try (0..<3).map { _ in try AgeX25519Identity.generate() }
        let plaintext = AgeTestSupport.sample(bytes: 70_000)
        let ciphertext = try AgeEncryptor.encrypt(plaintext, to: identities.map { .x25519($0.recipient) })
        for identity in identities {
            #expect(try AgeDecryptor.decrypt(ciphertext, identities: [.x25519(identity)]) == plaintext)
        }
        let stranger = try AgeX25519Identity.generate()
        #expect(try AgeDecryptor.decrypt(ciphertext, identities: [.x25519(stranger), .x25519(identities[2])]) == plaintext)
    }

    @Test func testPassphrase_roundTrips_andAWrongOneMatchesNothing() throws {
        let plaintext = AgeTestSupport.sample(bytes: 1000)
        let ciphertext = try AgeEncryptor.encrypt(plaintext, to: [.passphrase("correct horse", workFactor: 10)])
        #expect(String(decoding: ciphertext.prefix(60), as: UTF8.self).contains("-> scrypt "))
        #expect(try AgeDecryptor.decrypt(ciphertext, identities: [.passphrase("correct horse")]) == plaintext)
        #expect(AgeTestSupport.decryptionError(ciphertext, with: [.passphrase("wrong horse")]) == .noIdentityMatched)
        // An X25519 identity ignores scrypt stanzas.
        #expect(AgeTestSupport.decryptionError(ciphertext, with: [.x25519(try .generate())]) == .noIdentityMatched)
        #expect(AgeTestSupport.decryptionError(ciphertext, with: [.passphrase("correct horse", maxWorkFactor: 9)])
            == .workFactorTooHigh(found: 10, limit: 9))
    }

    @Test func testRecipientRules_areEnforcedBeforeAnyOutput() throws {
        let recipient = AgeRecipient.x25519(try AgeX25519Identity.generate().recipient)
        #expect(throws: AgeError.noRecipients) { try AgeEncryptor(recipients: []) { _ in } }
        #expect(throws: AgeError.passphraseMustBeAlone) {
            try AgeEncryptor(recipients: [recipient, .passphrase("x", workFactor: 10)]) { _ in }
        }
        #expect(throws: AgeError.passphraseMustBeAlone) {
            try AgeEncryptor(recipients: [.passphrase("x", workFactor: 10), .passphrase("y", workFactor: 10)]) { _ in }
        }
        #expect(throws: AgeError.invalidWorkFactor(0)) { try AgeEncryptor(recipients: [.passphrase("x", workFactor: 0)]) { _ in } }
        #expect(throws: AgeError.lowOrderX25519Key) {
            try AgeEncryptor(recipients: [.x25519(try AgeX25519Recipient(parsing: Bech32.encode(hrp: "age", data: [UInt8](repeating: 0, count: 32))))]) { _ in }
        }
        #expect(!AgeRecipient.passphrase("hunter2").description.contains("hunter2"))
        #expect(!AgeIdentity.passphrase("hunter2").description.contains("hunter2"))
    }

    @Test func testSinkErrors_passThroughUnchanged() throws {
        struct DiskFull: Error {}
        let identity = try AgeX25519Identity.generate()
        let encryptor = try AgeEncryptor(recipients: [.x25519(identity.recipient)]) { _ in throw DiskFull() }
        #expect(throws: DiskFull.self) {
            try [UInt8]([1, 2, 3]).withUnsafeBytes { try encryptor.write($0) }
            try encryptor.finish()
        }

        let ciphertext = try AgeEncryptor.encrypt([1, 2, 3], to: [.x25519(identity.recipient)])
        let decryptor = AgeDecryptor(identities: [.x25519(identity)]) { _ in throw DiskFull() }
        #expect(throws: DiskFull.self) {
            try ciphertext.withUnsafeBytes { try decryptor.write($0) }
            try decryptor.finish()
        }
        // The decryptor stays failed.
        #expect(throws: DiskFull.self) { try decryptor.finish() }
    }
}
