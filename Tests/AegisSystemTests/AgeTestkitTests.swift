@testable import AegisSystem
import Testing

/// The CCTV age testkit (C2SP/CCTV, age/testdata; Resources/age-testkit/ORIGIN.md) against
/// aegisd's own age implementation: every vector but the armored ones, each decrypted whole
/// and again fed in small uneven pieces, must end as the vector says: success with the
/// payload's hash, or the named kind of failure, with whatever plaintext was released before
/// a payload failure matching the hash too.
@Suite struct AgeTestkitTests {
    /// How the decryptor ended, in the testkit's terms.
    enum Outcome: Equatable, CustomStringConvertible {
        case success
        case failure(AgeTestkitVector.Expectation, AgeError)

        var description: String {
            switch self {
            case .success: "success"
            case .failure(let kind, let error): "\(kind.rawValue) (\(error))"
            }
        }
    }

    /// The testkit's failure kind each `AgeError` belongs to.
    static func kind(of error: AgeError) -> AgeTestkitVector.Expectation {
        switch error {
        case .noIdentityMatched: .noMatch
        case .headerMACMismatch: .hmacFailure
        case .chunkAuthenticationFailed, .finalChunkAuthenticationFailed, .missingFinalChunk, .trailingData, .emptyFinalChunk:
            .payloadFailure
        case .notAnAgeFile, .unsupportedVersion, .truncatedHeader, .headerTooLong, .malformedHeader,
             .scryptStanzaNotAlone, .workFactorTooHigh, .lowOrderX25519Key:
            .headerFailure
        case .invalidRecipient, .invalidIdentity, .invalidIdentityFile, .noRecipients, .passphraseMustBeAlone,
             .invalidWorkFactor, .crypto:
            // Not a property of the file: a vector never expects these.
            .success
        }
    }

    /// Decrypts the vector's file with its identities; returns the outcome and the SHA-256
    /// of every plaintext byte the decryptor released.
    static func run(_ vector: AgeTestkitVector, identities: [AgeIdentity], pieceSize: Int?) throws -> (Outcome, String) {
        let hasher = SHA256Hasher()
        let decryptor = AgeDecryptor(identities: identities) { hasher.update($0) }
        do {
            try AgeTestSupport.feed(vector.file, pieceSize: pieceSize) { try decryptor.write($0) }
            try decryptor.finish()
            return (.success, hasher.finalizeHex())
        } catch let error as AgeError {
            return (.failure(kind(of: error), error), hasher.finalizeHex())
        }
    }

    static func identities(of vector: AgeTestkitVector) throws -> [AgeIdentity] {
        var identities: [AgeIdentity] = []
        for text in vector.identities where !text.hasPrefix("AGE-SECRET-KEY-PQ-") {
            identities.append(.x25519(try AgeX25519Identity(parsing: text)))
        }
        return identities + vector.passphrases.map { .passphrase($0) }
    }

    @Test func testTheTestkitIsPresent() {
        // 110 vectors at the imported commit; a lost resource directory must not pass silently.
        #expect(AgeTestkitVector.names.count >= 100)
    }

    @Test(arguments: AgeTestkitVector.names)
    func testVector(_ name: String) throws {
        let vector = try AgeTestkitVector(named: name)
        let identities = try Self.identities(of: vector)
        for pieceSize in [nil, 7] as [Int?] {
            let (outcome, hash) = try Self.run(vector, identities: identities, pieceSize: pieceSize)
            let context = "\(name), pieces \(pieceSize.map(String.init) ?? "whole"): \(outcome)"
            if vector.usesHybridRecipients {
                // aegisd has no ML-KEM: a hybrid stanza is a stanza of an unknown type, so the
                // best it can do is refuse the file, never release plaintext.
                switch outcome {
                case .success: Issue.record("\(context): a hybrid-only file decrypted")
                case .failure(let kind, _): #expect(kind == .noMatch || kind == .headerFailure || kind == vector.expectation, "\(context)")
                }
                #expect(hash == SHA256Hasher.hexDigest(""), "\(context): plaintext released")
                continue
            }
            switch (vector.expectation, outcome) {
            case (.success, .success): break
            case (let expected, .failure(let kind, _)) where expected == kind: break
            default: Issue.record("\(context): expected \(vector.expectation.rawValue)")
            }
            if let payloadHash = vector.payloadHash, vector.expectation == .success || vector.expectation == .payloadFailure {
                #expect(hash == payloadHash, "\(context): released plaintext differs from the vector's payload")
            }
        }
    }

    /// Post-quantum identities are refused with an error that says what was expected.
    @Test func testHybridIdentities_areRefusedClearly() throws {
        let hybrid = try #require(AgeTestkitVector.names.lazy.map { try? AgeTestkitVector(named: $0) }
            .first { $0?.usesHybridRecipients == true } ?? nil)
        let text = try #require(hybrid.identities.first { $0.hasPrefix("AGE-SECRET-KEY-PQ-") })
        #expect(throws: AgeError.self) { try AgeX25519Identity(parsing: text) }
        do {
            _ = try AgeX25519Identity(parsing: text)
        } catch {
            #expect(error.description.contains("AGE-SECRET-KEY-1"))
            #expect(!error.description.contains(text))
        }
    }
}
