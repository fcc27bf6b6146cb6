import AegisCore
import AegisSystem
import Foundation
import Glibc
import Testing
import AegisTestSupport

/// What `aegisd config init` and `config check` do (ConfigCommand only maps these to exit codes).
@Suite struct ConfigInitializerTests {
    private func failure(_ body: () throws(ConfigInitializer.Failure) -> String) -> ConfigInitializer.Failure? {
        do {
            _ = try body()
            return nil
        } catch {
            return error
        }
    }

    @Test func testInit_thenCheck_passes() throws {
        let directory = try ConfigTestDirectory()
        defer { directory.remove() }
        let root = "\(directory.path)/new/state"
        let path = try ConfigInitializer.write(root: root, portBase: 21000)
        #expect(path == "\(root)/aegisd.toml")

        var info = stat()
        #expect(stat(path, &info) == 0)
        #expect(info.st_mode & 0o7777 == 0o640)
        // The file and the backup key: the daemon creates the rest of the state tree.
        #expect(try FileManager.default.contentsOfDirectory(atPath: root).sorted() == ["aegisd.toml", "secrets"])

        let config = try ConfigLoader.load(path: path)
        var expected = try AegisConfig.forInit(root: root, portBase: 21000)
        expected.backup.recipients = config.backup.recipients
        #expect(config == expected)
        let report = ConfigCheckReport.check(path: path, environment: ConfigEnvironmentCheck(runsAsRoot: false))
        #expect(report.errors.isEmpty, "\(report.errors)")
    }

    @Test func testInitTwice_withoutForce_refuses_andForceOverwrites() throws {
        let directory = try ConfigTestDirectory()
        defer { directory.remove() }
        let path = try ConfigInitializer.write(root: directory.path)
        let refused = failure { () throws(ConfigInitializer.Failure) in
            try ConfigInitializer.write(root: directory.path, portBase: 30000)
        }
        #expect(refused?.kind == .alreadyExists)
        #expect(refused?.message == "\(path) already exists; use --force to overwrite it")
        #expect(try ConfigLoader.load(path: path).redis.port == 6379)

        _ = try ConfigInitializer.write(root: directory.path, portBase: 30000, force: true)
        #expect(try ConfigLoader.load(path: path).redis.port == 30003)
    }

    /// The generated backup key is a real age identity (the `age` CLI derives the same public
    /// key), private to its owner, and survives a forced re-init: old backups need it.
    @Test func testInit_writesABackupIdentity_andPutsItsRecipientInTheConfig() throws {
        let directory = try ConfigTestDirectory()
        defer { directory.remove() }
        let path = try ConfigInitializer.write(root: directory.path)
        let key = "\(directory.path)/secrets/backup.agekey"
        var info = stat()
        #expect(stat(key, &info) == 0 && info.st_mode & 0o7777 == 0o600)
        let recipients = try ConfigLoader.load(path: path).backup.recipients
        let fromCLI = try Self.output("/usr/bin/age-keygen", ["-y", key])
        #expect(recipients == [fromCLI])

        _ = try ConfigInitializer.write(root: directory.path, portBase: 30000, force: true)
        #expect(try ConfigLoader.load(path: path).backup.recipients == recipients)
    }

    static func output(_ executable: String, _ arguments: [String]) throws -> String {
        try ExternalCommand.run(executable, arguments).output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func testABadPortBase_isAUsageError_andWritesNothing() throws {
        let directory = try ConfigTestDirectory()
        defer { directory.remove() }
        let root = "\(directory.path)/never"
        let refused = failure { () throws(ConfigInitializer.Failure) in
            try ConfigInitializer.write(root: root, portBase: 65530)
        }
        #expect(refused?.kind == .invalid)
        #expect(refused?.message.hasPrefix("--port-base: 65530 is out of range") == true)
        #expect(!FileManager.default.fileExists(atPath: root))
    }

    @Test(arguments: [
        ("state", "/home/op", "/home/op/state"), ("./a/../b/", "/w", "/w/b"), ("/abs//dir/", "/w", "/abs/dir"),
        ("..", "/w/x", "/w"), ("/", "/w", "/"),
    ])
    func testRelativeRoots_areResolvedAgainstTheWorkingDirectory(root: String, cwd: String, absolute: String) {
        #expect(ConfigInitializer.absolutePath(root, workingDirectory: cwd) == absolute)
    }

    @Test func testCheck_ofABrokenFile_listsEveryError() throws {
        let directory = try ConfigTestDirectory()
        defer { directory.remove() }
        let path = try directory.write("aegisd.toml", "[redis]\nport = 0\n[metrics]\nprot = 1\n")
        let report = ConfigCheckReport.check(path: path, environment: ConfigEnvironmentCheck(runsAsRoot: false))
        #expect(report.errors.map(\.path).sorted() == ["metrics.prot", "redis.port"])
    }
}
