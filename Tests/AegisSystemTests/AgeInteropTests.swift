import AegisSystem
import Foundation
import Testing

/// Our age against the real one: Debian's `age` and `age-keygen` (FiloSottile/age), and
/// known-answer files published with the TypeScript implementation (FiloSottile/typage).
@Suite struct AgeInteropTests {
    static let chunk = AgeTestSupport.chunk

    @Test(arguments: [0, 1, chunk, chunk + 1, 3 * chunk, 4 * 1024 * 1024 + 3])
    func testOurEncryption_decryptsWithTheAgeCLI(size: Int) throws {
        try AgeTestSupport.withTemporaryDirectory { directory in
            let identity = try AgeX25519Identity.generate()
            let keyFile = directory.appendingPathComponent("key.txt")
            try Data("# public key: \(identity.recipient)\n\(identity.encoded)\n".utf8).write(to: keyFile)
            let plaintext = AgeTestSupport.sample(bytes: size)
            let ciphertext = try AgeTestSupport.encrypt(plaintext, to: [.x25519(identity.recipient)], pieceSize: 65_000)
            let result = try AgeTestSupport.run(AgeTestSupport.age, ["-d", "-i", keyFile.path], input: ciphertext, in: directory)
            #expect(result.status == 0, "age -d: \(result.stderr)")
            #expect(result.stdout == plaintext)
        }
    }

    @Test(arguments: [0, 1, chunk, chunk + 1, 3 * chunk, 4 * 1024 * 1024 + 3])
    func testAgeCLIEncryption_decryptsWithOurs(size: Int) throws {
        try AgeTestSupport.withTemporaryDirectory { directory in
            let keygen = try AgeTestSupport.run(AgeTestSupport.ageKeygen, [], in: directory)
            #expect(keygen.status == 0, "age-keygen: \(keygen.stderr)")
            let identities = try AgeX25519Identity.parseIdentityFile(String(decoding: keygen.stdout, as: UTF8.self))
            let plaintext = AgeTestSupport.sample(bytes: size, seed: 99)
            let result = try AgeTestSupport.run(
                AgeTestSupport.age, ["-r", identities[0].recipient.encoded], input: plaintext, in: directory)
            #expect(result.status == 0, "age -r: \(result.stderr)")
            #expect(try AgeTestSupport.decrypt(result.stdout, with: identities.map { .x25519($0) }, pieceSize: 8191) == plaintext)
        }
    }

    @Test func testOurRecipient_equalsAgeKeygenY() throws {
        try AgeTestSupport.withTemporaryDirectory { directory in
            for _ in 0..<5 {
                let identity = try AgeX25519Identity.generate()
                let result = try AgeTestSupport.run(AgeTestSupport.ageKeygen, ["-y"], input: Array("\(identity.encoded)\n".utf8), in: directory)
                #expect(result.status == 0, "age-keygen -y: \(result.stderr)")
                #expect(String(decoding: result.stdout, as: UTF8.self) == "\(identity.recipient.encoded)\n")
            }
        }
    }

    @Test func testSeveralRecipients_ageCLIDecryptsWithEachKey() throws {
        try AgeTestSupport.withTemporaryDirectory { directory in
            let identities = try (0..<2).map { _ in try AgeX25519Identity.generate() }
            let plaintext = AgeTestSupport.sample(bytes: 100_000)
            let ciphertext = try AgeEncryptor.encrypt(plaintext, to: identities.map { .x25519($0.recipient) })
            for (index, identity) in identities.enumerated() {
                let keyFile = directory.appendingPathComponent("key\(index).txt")
                try Data("\(identity.encoded)\n".utf8).write(to: keyFile)
                let result = try AgeTestSupport.run(AgeTestSupport.age, ["-d", "-i", keyFile.path], input: ciphertext, in: directory)
                #expect(result.status == 0, "age -d: \(result.stderr)")
                #expect(result.stdout == plaintext)
            }
        }
    }

    /// `age` reads passphrases only from a terminal, so it runs under `script`'s pty.
    @Test func testPassphrase_bothWaysWithTheAgeCLI() throws {
        try AgeTestSupport.withTemporaryDirectory { directory in
            let passphrase = "correct-horse-battery-staple"
            let plaintext = AgeTestSupport.sample(bytes: 150_000)

            let ours = directory.appendingPathComponent("ours.age")
            try Data(try AgeEncryptor.encrypt(plaintext, to: [.passphrase(passphrase, workFactor: 12)])).write(to: ours)
            let decrypted = directory.appendingPathComponent("decrypted.bin")
            let decryption = try AgeTestSupport.runInTerminal(
                "\(AgeTestSupport.age) -d -o '\(decrypted.path)' '\(ours.path)'", typed: "\(passphrase)\n", in: directory)
            #expect(decryption.status == 0, "age -d under script: \(decryption.stderr)")
            #expect(Array(try Data(contentsOf: decrypted)) == plaintext)

            let source = directory.appendingPathComponent("plain.bin")
            try Data(plaintext).write(to: source)
            let theirs = directory.appendingPathComponent("theirs.age")
            let encryption = try AgeTestSupport.runInTerminal(
                "\(AgeTestSupport.age) -p -o '\(theirs.path)' '\(source.path)'", typed: "\(passphrase)\n\(passphrase)\n", in: directory)
            #expect(encryption.status == 0, "age -p under script: \(encryption.stderr)")
            let file = Array(try Data(contentsOf: theirs))
            #expect(try AgeDecryptor.decrypt(file, identities: [.passphrase(passphrase)]) == plaintext)
            #expect(AgeTestSupport.decryptionError(file, with: [.passphrase("wrong")]) == .noIdentityMatched)
        }
    }

    /// typage's test files: "test\n" under scrypt work factor 8, and under an X25519 key.
    @Test func testKnownAnswerFiles_decrypt() throws {
        let scryptFile = Array(Data(base64Encoded: "YWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IHNjcnlwdCB4Y2lkcXJQdmwwZzRROEZ5eXU4dHNnIDgKNnM2Ylp2Vlg2b0NBSVp2QkxCZEhJbEJrYUcreWRIZHVHWVpBaUJkUy9ZMAotLS0gZ280TkNGT05VTDEwZW5WRjVPMnkxem05eWQwdkM0S09hSU1nV05aYW5QSQom4WH7RYXsjlDm3HNKCe9gY2IfCjTY/2t6PF4bzUkeWZWkE7kd")!)
        let passphrase = "light-original-energy-average-wish-blind-vendor-pencil-illness-scorpion"
        #expect(try AgeDecryptor.decrypt(scryptFile, identities: [.passphrase(passphrase)]) == Array("test\n".utf8))
        #expect(AgeTestSupport.decryptionError(scryptFile, with: [.passphrase(passphrase, maxWorkFactor: 7)]) == .workFactorTooHigh(found: 8, limit: 7))

        let x25519File = Array(Data(base64Encoded: "YWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOSBOb280UHUyVWZwTllzY3Z5OU1tTjlscHV1Smt4Nng0MEZkdGZoQzd1dVFZCmk0VUNvVmoxbEhHalV0bVR2MHFyRGl0YzNtMXdoY1oyVUtvWDU3MUQwR1EKLS0tIGJ1RTZSYmR6ZlNHSk5tSGl3U2hqR1FFUDF4eEdjSGZtbXlYQUN4SnM4RDAKyqdZXpg65sTtmakjxLONtEgaSwXeS8t+7jAWvlleVEFO4/9QIQ==")!)
        let identity = try AgeX25519Identity(parsing: "AGE-SECRET-KEY-1L27NYJDYRNDSCCELNZE8C6JTSH22TLQJVPGD7289KDLMZA5HWN6SZPEHGF")
        #expect(try AgeDecryptor.decrypt(x25519File, identities: [.x25519(identity)]) == Array("test\n".utf8))
    }
}
