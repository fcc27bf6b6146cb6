import AegisSystem
import Foundation
import Testing

@Suite struct SecretFileTests {
    /// Three instances creating pgBackRest's one cipher passphrase at their first start: every
    /// caller must get the secret that ends up stored, and no temporary file may be left.
    @Test func testConcurrentCreators_allGetTheOneSecretThatIsStored() async throws {
        let directory = NSTemporaryDirectory() + "secret-file-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = "\(directory)/shared.secret"
        let secrets = await withTaskGroup(of: String?.self) { group in
            for _ in 0..<16 {
                group.addTask { try? await runBlocking { try SecretFile.readOrCreate(path, length: 64) } }
            }
            var all: [String?] = []
            for await secret in group { all.append(secret) }
            return all
        }
        let stored = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .newlines)
        #expect(stored.count == 64)
        #expect(secrets.allSatisfy { $0 == stored }, "\(Set(secrets.map { $0 ?? "nil" }).count) different answers")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["shared.secret"])
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
    }
}
