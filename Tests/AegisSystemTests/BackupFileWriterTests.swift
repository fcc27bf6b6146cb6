import AegisSystem
import Foundation
import Glibc
import Testing

/// The backup file is written under a temporary name and appears only when complete.
@Suite(.serialized) struct BackupFileWriterTests {
    @Test func testCommit_movesTheFileIntoPlace_mode0600() throws {
        let directory = try ConfigTestDirectory("aegis-backupfile")
        defer { directory.remove() }
        let writer = try BackupFileWriter(directory: directory.path, fileName: "b.gz.age", temporaryName: ".b.gz.age.partial")
        try Array("hello".utf8).withUnsafeBytes { try writer.write($0) }
        #expect(FileManager.default.fileExists(atPath: writer.temporaryPath))
        #expect(!FileManager.default.fileExists(atPath: writer.finalPath))
        try writer.commit()
        #expect(try String(contentsOfFile: writer.finalPath, encoding: .utf8) == "hello")
        #expect(!FileManager.default.fileExists(atPath: writer.temporaryPath))
        let attributes = try FileManager.default.attributesOfItem(atPath: writer.finalPath)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        // An existing backup is never overwritten.
        #expect(throws: SystemError.self) {
            _ = try BackupFileWriter(directory: directory.path, fileName: "b.gz.age", temporaryName: ".b.gz.age.partial")
        }
    }

    @Test func testDroppedWithoutCommit_removesTheTemporaryFile() throws {
        let directory = try ConfigTestDirectory("aegis-backupfile")
        defer { directory.remove() }
        var temporary = ""
        do {
            let writer = try BackupFileWriter(directory: directory.path, fileName: "b.gz", temporaryName: ".b.gz.partial")
            temporary = writer.temporaryPath
            try Array("partial".utf8).withUnsafeBytes { try writer.write($0) }
        }
        #expect(!FileManager.default.fileExists(atPath: temporary))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    /// A real full file system: a 1 MiB tmpfs (needs root, as `make test` runs).
    @Test func testDiskFull_isAClearError_temporaryRemoved_olderFileUntouched() throws {
        let directory = try ConfigTestDirectory("aegis-diskfull")
        defer { directory.remove() }
        guard mount("tmpfs", directory.path, "tmpfs", 0, "size=1m") == 0 else {
            Issue.record("cannot mount a tmpfs at \(directory.path) (errno \(errno)); run the tests as root (make test)")
            return
        }
        defer { umount(directory.path) }
        let older = "\(directory.path)/old.gz.age"
        try "older backup".write(toFile: older, atomically: false, encoding: .utf8)

        let writer = try BackupFileWriter(directory: directory.path, fileName: "new.gz.age", temporaryName: ".new.gz.age.partial")
        let block = [UInt8](repeating: 7, count: 64 * 1024)
        var failure: SystemError?
        do {
            for _ in 0..<64 { try block.withUnsafeBytes { try writer.write($0) } }
        } catch {
            failure = error as? SystemError
        }
        let message = try #require(failure).message
        #expect(message.contains("disk is full"))
        #expect(message.contains(writer.temporaryPath))
        writer.abandon()
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["old.gz.age"])
        #expect(try String(contentsOfFile: older, encoding: .utf8) == "older backup")
    }
}
