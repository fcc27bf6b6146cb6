import AegisSystem
import Foundation
import Testing

/// The authentication pass before a restore: with the manifest's hash it reads only the hash
/// and the age header; without one it decrypts and inflates everything. Both must refuse a
/// damaged file and a wrong key.
@Suite struct BackupReaderTests {
    /// An encrypted backup of 3 MiB of sample data, as BackupStream writes it.
    static func makeBackup(in directory: String, to identity: AgeX25519Identity) throws -> (path: String, sha256: String) {
        let writer = try BackupFileWriter(directory: directory, fileName: "b.sql.gz.age", temporaryName: ".b.partial")
        let stream = try BackupStream(
            writer: writer, compressionLevel: 1, workers: 2,
            encryption: .encrypted { sink in try AgeEncryptor(recipients: [.x25519(identity.recipient)], sink: sink) })
        try AgeTestSupport.sample(bytes: 3 << 20).withUnsafeBytes { try stream.write($0) }
        let totals = try stream.finish()
        try writer.commit()
        return (writer.finalPath, totals.sha256)
    }

    static func damage(_ path: String, at offset: UInt64) throws {
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seek(toOffset: offset)
        let byte = try #require(try handle.read(upToCount: 1)?.first)
        try handle.seek(toOffset: offset)
        try handle.write(contentsOf: [byte ^ 0x01])
    }

    @Test(arguments: [true, false])
    func testAnIntactFile_passes_withAndWithoutTheManifestsHash(withHash: Bool) throws {
        let directory = try ConfigTestDirectory("aegis-reader")
        defer { directory.remove() }
        let identity = try AgeX25519Identity.generate()
        let backup = try Self.makeBackup(in: directory.path, to: identity)
        let progress = TransferProgress()
        try BackupReader.authenticate(
            path: backup.path, encrypted: true, identities: [.x25519(identity)],
            expectedSHA256: withHash ? backup.sha256 : nil, progress: progress)
        let size = try FileManager.default.attributesOfItem(atPath: backup.path)[.size] as! Int
        #expect(progress.storedBytes.load(ordering: .relaxed) == Int64(size))
        // Only the full pass inflates; the hash pass stops at the header.
        #expect(progress.plainBytes.load(ordering: .relaxed) == (withHash ? 0 : 3 << 20))
    }

    @Test(arguments: [true, false])
    func testADamagedPayload_isRefused(withHash: Bool) throws {
        let directory = try ConfigTestDirectory("aegis-reader")
        defer { directory.remove() }
        let identity = try AgeX25519Identity.generate()
        let backup = try Self.makeBackup(in: directory.path, to: identity)
        try Self.damage(backup.path, at: 200_000)
        #expect(throws: (any Error).self) {
            try BackupReader.authenticate(
                path: backup.path, encrypted: true, identities: [.x25519(identity)],
                expectedSHA256: withHash ? backup.sha256 : nil)
        }
    }

    @Test func testTheWrongKey_isNamedAsSuch_evenWhenTheHashMatches() throws {
        let directory = try ConfigTestDirectory("aegis-reader")
        defer { directory.remove() }
        let backup = try Self.makeBackup(in: directory.path, to: try AgeX25519Identity.generate())
        #expect(throws: AgeError.noIdentityMatched) {
            try BackupReader.authenticate(
                path: backup.path, encrypted: true, identities: [.x25519(try AgeX25519Identity.generate())],
                expectedSHA256: backup.sha256)
        }
    }

    @Test func testAHashMismatch_namesTheFileAndBothHashes() throws {
        let directory = try ConfigTestDirectory("aegis-reader")
        defer { directory.remove() }
        let identity = try AgeX25519Identity.generate()
        let backup = try Self.makeBackup(in: directory.path, to: identity)
        let wrong = String(repeating: "0", count: 64)
        do {
            try BackupReader.authenticate(
                path: backup.path, encrypted: true, identities: [.x25519(identity)], expectedSHA256: wrong)
            Issue.record("a file that does not match its manifest was accepted")
        } catch {
            let message = "\(error)"
            #expect(message.contains(backup.path) && message.contains(backup.sha256) && message.contains(wrong), "\(message)")
        }
    }
}
