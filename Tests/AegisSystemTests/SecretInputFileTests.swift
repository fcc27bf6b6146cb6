import AegisCore
import AegisSystem
import Foundation
import Glibc
import Testing

/// The passphrase file (read by the daemon) and the identity file (read by aegisctl): modes,
/// shapes and errors that name the file and the reason.
@Suite struct SecretInputFileTests {
    @Test(arguments: [("secret\n", "secret"), ("secret\r\n", "secret"), ("secret", "secret")])
    func testPassphraseFile_givesThePassphraseByTheOneRule(contents: String, passphrase: String) throws {
        let directory = try ConfigTestDirectory()
        defer { directory.remove() }
        let path = try directory.write("backup.passphrase", contents, mode: 0o600)
        #expect(try PassphraseFile.read(path) == passphrase)
        chmod(path, 0o400)
        #expect(try PassphraseFile.read(path) == passphrase)
    }

    @Test func testPassphraseFile_refusesWhatItCannotUse_sayingWhy() throws {
        let directory = try ConfigTestDirectory()
        defer { directory.remove() }
        let path = "\(directory.path)/backup.passphrase"
        #expect(throws: PassphraseFile.Failure.missing(path: path)) { try PassphraseFile.read(path) }

        try directory.write("backup.passphrase", "secret\n", mode: 0o644)
        #expect(throws: PassphraseFile.Failure.tooOpen(path: path, mode: 0o100644)) { try PassphraseFile.read(path) }
        let tooOpen = PassphraseFile.Failure.tooOpen(path: path, mode: 0o100644)
        #expect(tooOpen.description.contains("mode 644") && tooOpen.description.contains("chmod 600 \(path)"))

        try directory.write("backup.passphrase", "a\nb\n", mode: 0o600)
        #expect(throws: PassphraseFile.Failure.invalid(path: path, .multipleLines)) { try PassphraseFile.read(path) }

        try directory.write("backup.passphrase", String(repeating: "x", count: PassphraseFile.sizeLimit + 1), mode: 0o600)
        #expect(throws: PassphraseFile.Failure.tooLarge(path: path)) { try PassphraseFile.read(path) }

        let folder = try directory.makeDirectory("folder", mode: 0o700)
        #expect(throws: PassphraseFile.Failure.notRegularFile(path: folder)) { try PassphraseFile.read(folder) }
    }

    @Test func testIdentityFile_isReadAsIs_whenItHoldsAnIdentity() throws {
        let directory = try ConfigTestDirectory()
        defer { directory.remove() }
        let identity = try AgeX25519Identity.generate()
        let text = "# created: today\n# public key: \(identity.recipient.encoded)\n\(identity.encoded)\n"
        let path = try directory.write("backup.agekey", text, mode: 0o400)
        #expect(try AgeIdentityFile.read(path) == text)
    }

    @Test func testIdentityFile_errorsNameThePathAndTheReason_neverTheContents() throws {
        let directory = try ConfigTestDirectory()
        defer { directory.remove() }
        let missing = "\(directory.path)/nowhere.agekey"
        #expect(throws: SystemError("cannot read the identity file \(missing): No such file or directory")) {
            try AgeIdentityFile.read(missing)
        }
        let folder = try directory.makeDirectory("keys", mode: 0o700)
        #expect(throws: SystemError("cannot read the identity file \(folder): Is a directory")) {
            try AgeIdentityFile.read(folder)
        }
        // A mangled key: the message says which line and what was expected, not what it holds.
        let badKey = try directory.write("wrong.agekey", "AGE-SECRET-KEY-1NOTAKEYATALLBUTCLOSE\n", mode: 0o600)
        do {
            _ = try AgeIdentityFile.read(badKey)
            Issue.record("accepted a file without an identity")
        } catch {
            #expect(error.message.hasPrefix("\(badKey): not a valid age identity file: line 1"), "\(error.message)")
            #expect(error.message.contains("age-keygen"))
        }
        let empty = try directory.write("empty.agekey", "", mode: 0o600)
        #expect(throws: SystemError.self) { try AgeIdentityFile.read(empty) }
    }
}
