import AegisSystem
import Foundation
import Glibc
import Testing

/// A file's stamp changes with every way a certificate or key is replaced or altered, and only then.
@Suite struct FileStampTests {
    let directory: String

    init() throws {
        directory = NSTemporaryDirectory() + "file-stamp-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    func write(_ text: String, to path: String) throws {
        try text.write(toFile: path, atomically: false, encoding: .utf8)
    }

    @Test func testAnUntouchedFile_keepsItsStamp_andAMissingOneHasNone() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = "\(directory)/server.crt"
        #expect(FileStamp.of(path) == nil)
        try write("one", to: path)
        let stamp = try #require(FileStamp.of(path))
        _ = try String(contentsOfFile: path, encoding: .utf8)  // reading changes nothing
        #expect(FileStamp.of(path) == stamp)
        #expect(stamp.size == 3)
    }

    @Test func testAReplacementByRename_aWriteInPlace_aChmod_andARemoval_changeIt() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = "\(directory)/server.key"
        try write("first key", to: path)
        #expect(chmod(path, 0o644) == 0)
        let first = try #require(FileStamp.of(path))

        // Same size, same content even: a new inode.
        try write("first key", to: "\(directory)/staged")
        #expect(rename("\(directory)/staged", path) == 0)
        let renamed = try #require(FileStamp.of(path))
        #expect(renamed != first && renamed.inode != first.inode)

        // Same inode and size, new bytes: the modification time (set explicitly, since two
        // writes can fall into one tick of the file system's clock).
        try write("other key", to: path)
        var times = [timespec(tv_sec: 1_000_000, tv_nsec: 0), timespec(tv_sec: 1_000_000, tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, path, &times, 0) == 0)
        let written = try #require(FileStamp.of(path))
        #expect(written.inode == renamed.inode && written != renamed)

        #expect(chmod(path, 0o600) == 0)
        let changed = try #require(FileStamp.of(path))
        #expect(changed.modified == written.modified && changed.mode & 0o777 == 0o600 && changed != written)

        #expect(unlink(path) == 0)
        #expect(FileStamp.of(path) == nil)
    }
}
