import AegisSystem
import Foundation
import Testing

@Suite struct StateDirectoryLockTests {
    static func scratch() throws -> String {
        let directory = NSTemporaryDirectory() + "state-lock-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory
    }

    /// flock conflicts between two open file descriptions even in one process, so the second
    /// acquire stands for a second aegisd.
    @Test func testASecondHolder_isRefusedNamingTheFirstsPid_andGetsItOnceReleased() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = "\(directory)/aegisd.lock"
        var first: StateDirectoryLock? = try StateDirectoryLock.acquire(path)
        #expect(first != nil)
        #expect(throws: SystemError.self) { _ = try StateDirectoryLock.acquire(path) }
        do {
            _ = try StateDirectoryLock.acquire(path)
        } catch {
            #expect(error.message.contains("another aegisd (pid \(getpid())) is running on this state directory"), "\(error.message)")
            #expect(error.message.contains("daemon.state_dir"))
        }
        first = nil
        let second = try StateDirectoryLock.acquire(path)
        #expect(second.path == path)
    }

    /// A child started while the lock is held must not inherit it (close-on-exec): a server left
    /// running by a killed aegisd would otherwise keep the next aegisd out.
    @Test func testTheLocksDescriptor_isClosedOnExec() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = "\(directory)/aegisd.lock"
        let lock = try StateDirectoryLock.acquire(path)
        let descriptors = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").compactMap { Int32($0) }
        let holding = descriptors.filter { (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\($0)")) == path }
        #expect(holding.count == 1)
        for fd in holding { #expect(fcntl(fd, F_GETFD) & FD_CLOEXEC != 0) }
        withExtendedLifetime(lock) {}
    }
}

@Suite struct StagedFileSweepTests {
    @Test(arguments: [
        ("server.key.tmp.123.456", true), ("aegisd.toml.tmp.99", true), ("x.tmp.1.2", true),
        ("server.key", false), ("notes.tmp", false), ("a.tmp.", false), (".tmp.12", false),
        ("a.tmp.12a", false), ("a.tmp.1.2.3", false), ("pg_internal.init.123", false), ("a.tmp.x.1", false),
    ])
    func testStagedNames(_ name: String, _ staged: Bool) {
        #expect(StagedFileSweep.isStaged(name) == staged)
    }

    @Test func testSweep_removesStagedFiles_andLeavesServersTreesAlone() throws {
        let root = try StateDirectoryLockTests.scratch()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let files = [
            ("secrets/redis.password.tmp.12.34", true),
            ("secrets/redis.password", false),
            ("certs/clients/alice/client.key.tmp.5.6", true),
            ("conf/redis/redis.conf.tmp.7", true),
            ("data/postgres-ai/aegis.conf.tmp.8.9", true),      // aegisd's own file at a data dir's top
            ("data/postgres-ai/base/1/x.tmp.8.9", false),       // inside PostgreSQL's tree
            ("pgbackrest/archive/x.tmp.1.2", false),            // pgBackRest's
            ("backups/redis/redis-1.json.tmp.3.4", true),
        ]
        for (path, _) in files {
            let full = "\(root)/\(path)"
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            #expect(FileManager.default.createFile(atPath: full, contents: Data("x".utf8)))
        }
        try FileManager.default.createDirectory(atPath: "\(root)/conf/dir.tmp.1.2", withIntermediateDirectories: true)
        let removed = StagedFileSweep.run(root: root, depth: 4, skipping: ["pgbackrest"], shallow: ["data"])
        #expect(Set(removed) == Set(files.filter(\.1).map { "\(root)/\($0.0)" }))
        for (path, staged) in files {
            #expect(FileManager.default.fileExists(atPath: "\(root)/\(path)") == !staged, "\(path)")
        }
        #expect(FileManager.default.fileExists(atPath: "\(root)/conf/dir.tmp.1.2"), "directories are not staged files")
    }
}
