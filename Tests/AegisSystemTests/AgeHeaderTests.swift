@testable import AegisSystem
import Testing

/// The header parser is strict where the spec says MUST, and lenient where it says MAY:
/// unknown stanza types are ignored, malformed syntax is refused before any key is tried.
@Suite struct AgeHeaderTests {
    /// A valid file with an extra stanza of a type no identity knows, whose 48-byte body
    /// fills exactly one 64-column line and so is followed by an empty final line.
    static func fileWithGreaseStanza(_ identity: AgeX25519Identity) throws -> [UInt8] {
        let grease = AgeStanza(arguments: ["example.com/grease", "a", "b"], body: AgeTestSupport.sample(bytes: 48))
        return try AgeTamperTests.craft(identity: identity, chunks: [(Array("hello".utf8), true)], extraStanzas: [grease])
    }

    static func replacing(_ file: [UInt8], _ old: String, with new: String) -> [UInt8] {
        let old = Array(old.utf8)
        let start = (0...(file.count - old.count)).first { Array(file[$0..<($0 + old.count)]) == old }!
        return Array(file[..<start]) + Array(new.utf8) + Array(file[(start + old.count)...])
    }

    @Test func testUnknownStanzaTypes_areIgnored() throws {
        let identity = try AgeX25519Identity.generate()
        let file = try Self.fileWithGreaseStanza(identity)
        #expect(String(decoding: file.prefix(300), as: UTF8.self).contains("-> example.com/grease a b\n"))
        #expect(try AgeDecryptor.decrypt(file, identities: [.x25519(identity)]) == Array("hello".utf8))
    }

    @Test func testSyntaxErrors_areMalformedHeaders() throws {
        let identity = try AgeX25519Identity.generate()
        let ids: [AgeIdentity] = [.x25519(identity)]
        let file = try Self.fileWithGreaseStanza(identity)
        func problem(_ damaged: [UInt8]) -> AgeError? { AgeTestSupport.decryptionError(damaged, with: ids) }
        func isMalformed(_ error: AgeError?) -> Bool {
            if case .malformedHeader = error { true } else { false }
        }
        // The empty final line of a full-width body is required.
        #expect(isMalformed(problem(Self.replacing(file, "\n\n---", with: "\n---"))))
        // No space after "---", or a CR before a newline.
        #expect(isMalformed(problem(Self.replacing(file, "\n--- ", with: "\n---"))))
        #expect(isMalformed(problem(Self.replacing(file, " a b\n", with: " a b\r\n"))))
        // Empty arguments (two spaces) and a stanza line without arguments.
        #expect(isMalformed(problem(Self.replacing(file, " a b\n", with: " a  b\n"))))
        #expect(isMalformed(problem(Self.replacing(file, "-> example.com/grease a b\n", with: "->\n"))))
        // A line that is neither a stanza nor the MAC.
        #expect(isMalformed(problem(Self.replacing(file, "-> example.com/grease", with: "=> example.com/grease"))))
    }

    @Test func testBase64_isCanonicalAndUnpadded() {
        #expect(AgeBase64.encode(Array("age".utf8)) == "YWdl")
        #expect(AgeBase64.encode(Array("ag".utf8)) == "YWc")
        #expect(AgeBase64.decode(Array("YWc".utf8)) == Array("ag".utf8))
        #expect(AgeBase64.decode(Array("YWc=".utf8)) == nil, "padding")
        #expect(AgeBase64.decode(Array("YWd".utf8)) == nil, "non-zero unused bits")
        #expect(AgeBase64.decode(Array("Y".utf8)) == nil, "a dangling character")
        #expect(AgeBase64.decode(Array("YW c".utf8)) == nil)
        #expect(AgeBase64.decode([UInt8]()) == [])
    }

    @Test func testMalformedX25519Stanzas_areRefused() throws {
        let identity = try AgeX25519Identity.generate()
        let ids: [AgeIdentity] = [.x25519(identity)]
        let short = AgeStanza(arguments: ["X25519", AgeBase64.encode([UInt8](repeating: 9, count: 31))], body: [UInt8](repeating: 0, count: 32))
        let longBody = AgeStanza(arguments: ["X25519", AgeBase64.encode([UInt8](repeating: 9, count: 32))], body: [UInt8](repeating: 0, count: 33))
        let extraArgument = AgeStanza(arguments: ["X25519", AgeBase64.encode([UInt8](repeating: 9, count: 32)), "x"], body: [UInt8](repeating: 0, count: 32))
        let lowOrder = AgeStanza(arguments: ["X25519", AgeBase64.encode([UInt8](repeating: 0, count: 32))], body: [UInt8](repeating: 0, count: 32))
        for (stanza, expected) in [
            (short, "share"), (longBody, "body"), (extraArgument, "argument"),
        ] {
            let file = try AgeTamperTests.craft(identity: try .generate(), chunks: [([1], true)], extraStanzas: [stanza])
            let error = AgeTestSupport.decryptionError(file, with: ids)
            #expect("\(error.map { "\($0)" } ?? "no error")".contains(expected))
        }
        let file = try AgeTamperTests.craft(identity: try .generate(), chunks: [([1], true)], extraStanzas: [lowOrder])
        #expect(AgeTestSupport.decryptionError(file, with: ids) == .lowOrderX25519Key)
    }
}
