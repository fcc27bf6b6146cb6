@testable import AegisSystem
import Testing

/// The libcrypto wrappers against published known-answer vectors (RFC 7748, 5869, 4231, 7914).
@Suite struct AgePrimitiveTests {
    let hex = AgeTestSupport.hex

    @Test func testX25519_matchesRFC7748() throws {
        let alice = hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
        let bob = hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb")
        let alicePublic = try X25519.publicKey(privateKey: alice)
        let bobPublic = try X25519.publicKey(privateKey: bob)
        #expect(alicePublic == hex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"))
        #expect(bobPublic == hex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"))
        let shared = hex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742")
        #expect(try X25519.sharedSecret(privateKey: alice, peerPublicKey: bobPublic) == shared)
        #expect(try X25519.sharedSecret(privateKey: bob, peerPublicKey: alicePublic) == shared)
    }

    @Test func testX25519_refusesLowOrderPoints() throws {
        let secret = try X25519.generatePrivateKey()
        #expect(try X25519.sharedSecret(privateKey: secret, peerPublicKey: [UInt8](repeating: 0, count: 32)) == nil)
        #expect(try X25519.sharedSecret(privateKey: secret, peerPublicKey: [1] + [UInt8](repeating: 0, count: 31)) == nil)
    }

    @Test func testHKDF_matchesRFC5869_withAndWithoutSalt() throws {
        let ikm = [UInt8](repeating: 0x0B, count: 22)
        let case1 = try HKDFSHA256.derive(key: ikm, salt: Array(0x00...0x0C), info: Array(0xF0...0xF9), count: 42)
        #expect(case1 == hex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"))
        let case3 = try HKDFSHA256.derive(key: ikm, salt: [], info: [], count: 42)
        #expect(case3 == hex("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"))
    }

    @Test func testHMAC_matchesRFC4231() throws {
        let mac = try HMACSHA256.authenticate(Array("what do ya want for nothing?".utf8), key: Array("Jefe".utf8))
        #expect(mac == hex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"))
    }

    @Test func testScrypt_matchesRFC7914() throws {
        let key = try Scrypt.derive(password: Array("pleaseletmein".utf8), salt: Array("SodiumChloride".utf8), logN: 14, count: 64)
        #expect(key == hex("7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887"))
    }

    @Test func testChaChaPoly_roundTrips_andRejectsAnyChange() throws {
        let key = try SecureRandom.bytes(32)
        let message = AgeTestSupport.sample(bytes: 1000)
        let sealed = try ChaCha20Poly1305.sealOnce(message, key: key)
        #expect(sealed.count == 1016)
        #expect(try ChaCha20Poly1305.openOnce(sealed, key: key) == message)
        for index in [0, 500, 999, 1000, 1015] {
            var forged = sealed
            forged[index] ^= 0x01
            #expect(try ChaCha20Poly1305.openOnce(forged, key: key) == nil)
        }
        #expect(try ChaCha20Poly1305.openOnce(Array(sealed.dropLast()), key: key) == nil)
        #expect(try ChaCha20Poly1305.openOnce(sealed, key: try SecureRandom.bytes(32)) == nil)
        #expect(try ChaCha20Poly1305.openOnce(try ChaCha20Poly1305.sealOnce([], key: key), key: key) == [])
    }

    @Test func testSHA256_streamingEqualsOneShot_andKnownAnswer() {
        #expect(SHA256Hasher.hex(SHA256Hasher.digest(Array("abc".utf8)))
            == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let data = AgeTestSupport.sample(bytes: 200_000)
        let hasher = SHA256Hasher()
        try? AgeTestSupport.feed(data, pieceSize: 999) { hasher.update($0) }
        #expect(hasher.finalize() == SHA256Hasher.digest(data))
        let empty = SHA256Hasher()
        #expect(empty.finalizeHex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }
}
