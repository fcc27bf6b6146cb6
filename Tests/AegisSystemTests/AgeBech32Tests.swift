import AegisSystem
import Testing

/// Bech32 against the BIP-173 test vectors, and the age key encodings built on it.
@Suite struct AgeBech32Tests {
    @Test(arguments: [
        "A12UEL5L",
        "a12uel5l",
        "an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
        "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
        "11qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqc8247j",
        "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
        "?1ezyfcl",
        // Invalid in BIP-173 only for exceeding 90 characters, a limit age does not apply.
        "an84characterslonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1569pvx",
    ])
    func testBIP173ValidStrings_decode(string: String) throws {
        _ = try Bech32.decode(string)
    }

    @Test func testBIP173InvalidStrings_areRefusedForTheRightReason() {
        #expect(throws: Bech32Error.invalidCharacter(" ")) { try Bech32.decode("\u{20}1nwldj5") }
        #expect(throws: Bech32Error.invalidCharacter("\u{7F}")) { try Bech32.decode("\u{7F}1axkwrx") }
        #expect(throws: Bech32Error.invalidCharacter("\u{80}")) { try Bech32.decode("\u{80}1eym55h") }
        #expect(throws: Bech32Error.invalidCharacter("\u{FF}")) { try Bech32.decode("de1lg7wt\u{FF}") }
        #expect(throws: Bech32Error.tooShort) { try Bech32.decode("10a06t8") }
        #expect(throws: Bech32Error.tooShort) { try Bech32.decode("1qzzfhee") }
        #expect(throws: Bech32Error.missingSeparator) { try Bech32.decode("pzry9x0s0muk") }
        #expect(throws: Bech32Error.tooShort) { try Bech32.decode("1pzry9x0s0muk") }
        #expect(throws: Bech32Error.invalidCharacter("b")) { try Bech32.decode("x1b4n0q5v") }
        #expect(throws: Bech32Error.tooShort) { try Bech32.decode("li1dgmt3") }
        #expect(throws: Bech32Error.badChecksum) { try Bech32.decode("A1G7SGD8") }
        #expect(throws: Bech32Error.mixedCase) { try Bech32.decode("a12UEL5L") }
    }

    @Test func testEncode_roundTrips() throws {
        let data: [UInt8] = Array(0...40)
        let encoded = Bech32.encode(hrp: "test", data: data)
        let decoded = try Bech32.decode(encoded)
        #expect(decoded.hrp == "test")
        #expect(decoded.data == data)
        #expect(try Bech32.decode(encoded.uppercased()).data == data)
    }

    /// The example key pair of the age specification.
    @Test func testSpecExampleIdentity_givesTheSpecExampleRecipient() throws {
        let identity = try AgeX25519Identity(parsing: "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX")
        #expect(identity.recipient.encoded == "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj")
        #expect(identity.encoded == "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX")
        // Lower case is the same key.
        let lower = try AgeX25519Identity(parsing: identity.encoded.lowercased())
        #expect(lower.recipient == identity.recipient)
        #expect(!identity.description.contains("SECRET"))
    }

    @Test func testKeyParsing_namesTheProblem() throws {
        let identity = try AgeX25519Identity.generate()
        let recipient = identity.recipient.encoded
        #expect(try AgeX25519Recipient(parsing: recipient) == identity.recipient)
        #expect(try AgeX25519Recipient(parsing: recipient.uppercased()) == identity.recipient)

        var mistyped = Array(recipient)
        mistyped[10] = mistyped[10] == "q" ? "p" : "q"
        #expect(throws: AgeError.invalidRecipient(.badChecksum)) { try AgeX25519Recipient(parsing: String(mistyped)) }
        #expect(throws: AgeError.invalidRecipient(.wrongHRP(expected: "age", found: "age-secret-key-"))) {
            try AgeX25519Recipient(parsing: identity.encoded)
        }
        #expect(throws: AgeError.invalidIdentity(.wrongHRP(expected: "age-secret-key-", found: "age"))) {
            try AgeX25519Identity(parsing: recipient)
        }
        let short = Bech32.encode(hrp: "age", data: [UInt8](repeating: 7, count: 31))
        #expect(throws: AgeError.invalidRecipient(.wrongLength(expected: 32, found: 31))) { try AgeX25519Recipient(parsing: short) }
        #expect(throws: AgeError.invalidRecipient(.mixedCase)) { try AgeX25519Recipient(parsing: "Age" + recipient.dropFirst(3)) }
    }

    @Test func testIdentityFile_skipsCommentsAndBlankLines_andNamesBadLines() throws {
        let identity = try AgeX25519Identity.generate()
        let file = "# created: 2024-01-01T00:00:00Z\r\n# public key: \(identity.recipient)\n\n\(identity.encoded)\n"
        let parsed = try AgeX25519Identity.parseIdentityFile(file)
        #expect(parsed.map(\.recipient) == [identity.recipient])
        #expect(throws: AgeError.invalidIdentityFile("it contains no AGE-SECRET-KEY-1… line")) {
            try AgeX25519Identity.parseIdentityFile("# nothing here\n")
        }
        do {
            _ = try AgeX25519Identity.parseIdentityFile("# key\n\(identity.encoded.dropLast())\n")
            Issue.record("a damaged identity file parsed")
        } catch {
            #expect("\(error)".contains("line 2"))
            #expect(!"\(error)".contains(identity.encoded.dropLast()))
        }
    }
}
