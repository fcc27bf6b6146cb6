@testable import AegisSystem
import AegisTestSupport
import Testing

/// The age decryptor's header parser against many damaged files: never a crash, never
/// plaintext released from a damaged file, every error a sentence, and input that is not age
/// refused without buffering it.
@Suite struct AgeHeaderFuzzTests {
    static let tokens = [
        "-> ", "->", "--- ", "---", "\n", "\r\n", " ", "X25519 ", "scrypt ", "age-encryption.org/v1\n", "=", "+", "/",
        String(repeating: "A", count: 64), "\n\n",
    ]

    /// A small file to our key, with a grease stanza (an unknown type the parser must skip).
    static func sample() throws -> (file: [UInt8], identities: [AgeIdentity], plaintext: [UInt8]) {
        let ours = try AgeX25519Identity.generate()
        let plaintext = Array("fuzz".utf8)
        let grease = AgeStanza(arguments: ["example.com/grease", "a", "b"], body: AgeTestSupport.sample(bytes: 48))
        let file = try AgeTamperTests.craft(identity: ours, chunks: [(plaintext, true)], extraStanzas: [grease])
        return (file, [.x25519(ours), .passphrase("not this one", maxWorkFactor: 10)], plaintext)
    }

    @Test func testDamagedHeaders_failWithAReasonAndReleaseNothing() throws {
        let sample = try Self.sample()
        let headerLength = AgeTamperTests.headerLength(sample.file)
        var fuzz = FuzzInput()
        var refused = 0
        for iteration in 0..<FuzzInput.iterations(default: 5_000) {
            // Damage only the header (the payload's damage is AgeTamperTests' subject), or
            // sometimes send noise.
            let damaged = iteration % 10 == 0
                ? fuzz.bytes(fuzz.int(0...200))
                : fuzz.mutate(Array(sample.file[..<headerLength]), tokens: Self.tokens) + sample.file[headerLength...]
            var released: [UInt8] = []
            let decryptor = AgeDecryptor(identities: sample.identities) { released.append(contentsOf: $0) }
            do {
                try AgeTestSupport.feed(damaged, pieceSize: fuzz.chance(2) ? nil : fuzz.int(1...50)) { try decryptor.write($0) }
                try decryptor.finish()
                // The whole header is MACed: only edits that undo themselves (a byte deleted
                // and the same inserted) can pass, and then the plaintext is the original.
                #expect(released == sample.plaintext, "iteration \(iteration): \(FuzzInput.describe(damaged))")
            } catch let error as AgeError {
                refused += 1
                #expect(released.isEmpty || released == sample.plaintext, "released plaintext of a damaged file, iteration \(iteration)")
                #expect(error.description.count >= 15, "\(error)")
            }
        }
        #expect(refused > 0)
    }

    /// A stream of lines that never reaches the MAC line is refused at the header limit, not
    /// buffered without end.
    @Test func testAHeaderWithoutEnd_isRefusedAtTheLimit() throws {
        let decryptor = AgeDecryptor(identities: []) { _ in Issue.record("released plaintext") }
        let line = Array("-> X25519 \(String(repeating: "A", count: 43))\n".utf8)
        var fed = 0
        var failure: AgeError?
        try Array("age-encryption.org/v1\n".utf8).withUnsafeBytes { try decryptor.write($0) }
        while failure == nil, fed < 4 * AgeDecryptor.maxHeaderSize {
            do {
                try line.withUnsafeBytes { try decryptor.write($0) }
                fed += line.count
            } catch let error as AgeError {
                failure = error
            }
        }
        #expect(failure == .headerTooLong(limit: AgeDecryptor.maxHeaderSize))
        #expect(fed <= AgeDecryptor.maxHeaderSize)
    }
}
