import AegisCore
import AegisSystem
import Glibc
import Testing

/// Repository 2's key files: the key on one line in a 0600 file; anything else is refused with
/// the key and the file named, and never the file's contents.
@Suite struct S3KeyFileTests {
    @Test(arguments: [("AKIA123\n", "AKIA123"), ("AKIA123\r\n", "AKIA123"), ("AKIA123", "AKIA123")])
    func testKeyFile_givesTheKey(contents: String, key: String) throws {
        let directory = try ConfigTestDirectory()
        defer { directory.remove() }
        let path = try directory.write("s3.key", contents, mode: 0o600)
        #expect(try S3KeyFile.read(path, key: "pitr.repo2_key_file") == key)
        chmod(path, 0o400)
        #expect(try S3KeyFile.read(path, key: "pitr.repo2_key_file") == key)
    }

    @Test(arguments: [
        ("s3.secret", "SeCrEt-value\n", 0o644, "chmod 600"),
        ("s3.secret", "SeCrEt-value\n", 0o640, "chmod 600"),
        ("s3.secret", "", 0o600, "is empty"),
        ("s3.secret", "\n", 0o600, "is empty"),
        ("s3.secret", "SeCrEt-value\nsecond\n", 0o600, "alone on one line"),
        ("s3.secret", "SeCrEt value\n", 0o600, "alone on one line"),
    ])
    func testKeyFile_refusesWhatItCannotUse_sayingWhy(name: String, contents: String, mode: Int, reason: String) throws {
        let directory = try ConfigTestDirectory()
        defer { directory.remove() }
        let path = try directory.write(name, contents, mode: mode_t(mode))
        do {
            _ = try S3KeyFile.read(path, key: "pitr.repo2_secret_key_file")
            Issue.record("\(contents.debugDescription) with mode \(String(mode, radix: 8)) was accepted")
        } catch {
            #expect(error.message.hasPrefix("pitr.repo2_secret_key_file: "), "\(error)")
            #expect(error.message.contains(path) && error.message.contains(reason), "\(error)")
            #expect(!error.message.contains("SeCrEt"), "the contents are never quoted")
        }
    }

    @Test func testMissingKeyFile_isNamed_withWhatToDo() throws {
        let directory = try ConfigTestDirectory()
        defer { directory.remove() }
        #expect(throws: SystemError.self) { try S3KeyFile.read("\(directory.path)/absent", key: "pitr.repo2_key_file") }
        do {
            _ = try S3KeyFile.read("\(directory.path)/absent", key: "pitr.repo2_key_file")
        } catch {
            #expect(error.message.contains("No such file or directory") && error.message.contains("chmod 600"), "\(error)")
        }
    }
}
