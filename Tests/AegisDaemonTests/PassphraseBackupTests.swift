import AegisCore
import AegisSystem
import Foundation
import Glibc
import Testing

/// `encryption = "passphrase"` end to end: what seals a backup opens it, in aegisd (`verify`,
/// `restore`) and in the age CLI typed at a terminal, for every shape of file the rule accepts;
/// the shapes it refuses are refused everywhere, naming the file.
@Suite(.serialized) struct PassphraseBackupTests {
    static let passphrase = "correct horse battery staple"

    /// A daemon whose passphrase file holds `contents` (mode 0600), outside its secrets
    /// directory as an operator would place it.
    static func daemon(passphraseFile contents: String, mode: mode_t = 0o600) async throws -> DaemonHarness {
        let daemon = try await DaemonHarness {
            $0.backup.encryption = "passphrase"
            $0.backup.passphraseFile = "\($0.daemon.stateDir)/backup.passphrase"
        }
        try write(contents, to: daemon.config.backup.passphraseFile, mode: mode)
        return daemon
    }

    static func write(_ contents: String, to path: String, mode: mode_t = 0o600) throws {
        try contents.write(toFile: path, atomically: false, encoding: .utf8)
        chmod(path, mode)
    }

    @Test(arguments: ["\(passphrase)\n", "\(passphrase)\r\n", passphrase])
    func testEveryAcceptedShape_backsUpVerifiesRestores_andOpensWithAgeAtATerminal(file: String) async throws {
        let daemon = try await Self.daemon(passphraseFile: file)
        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        try daemon.ownerSQL(.backend, "CREATE TABLE people (id int PRIMARY KEY, name text); INSERT INTO people SELECT g, 'u' || g FROM generate_series(1, 500) g", granting: ["people"])

        let backup = try daemon.aegisctl("backup postgres-backend --json")
        #expect(backup.status == 0, "\(backup.output)")
        let report = try #require(try JSONDecoder().decode([BackupReport].self, from: Data(backup.output.utf8)).first)
        #expect(try BackupTests.manifest(of: report).encryption == "passphrase")

        let verify = try daemon.aegisctl("verify postgres-backend latest")
        #expect(verify.status == 0, "\(verify.output)")

        _ = try daemon.psql(.backend, "DELETE FROM people WHERE id > 3")
        let restore = try daemon.aegisctl("restore postgres-backend latest --yes")
        #expect(restore.status == 0, "\(restore.output)")
        #expect(try daemon.psql(.backend, "SELECT count(*) FROM people") == "500")

        // age reads a passphrase only from a terminal: typed into `script`'s pty, as a person would.
        let typed = "\(daemon.root)/typed"
        try Self.write("\(Self.passphrase)\n", to: typed)
        let plain = "\(daemon.root)/dump.sql.gz"
        let age = try DaemonHarness.run("script -qec \"age -d -o '\(plain)' '\(report.path)'\" /dev/null < '\(typed)'")
        #expect(age.status == 0, "\(age.output)")
        let dump = try DaemonHarness.shell("gunzip -c '\(plain)'")
        #expect(dump.contains("COPY public.people (id, name) FROM stdin;\n1\tu1\n"))
        #expect(try await daemon.terminate() == 0)
    }

    /// A blank line first, two lines, nothing, or a file others may read: `config check` and a
    /// start refuse it; on a running daemon, backups and restores of passphrase backups fail
    /// with the file's name and what to do, and nothing is written.
    @Test func testRefusedShapes_areAConfigurationError_andStopBackupsAndRestores_sayingWhy() async throws {
        let daemon = try await Self.daemon(passphraseFile: "\(Self.passphrase)\n")
        let file = daemon.config.backup.passphraseFile
        let refused: [(contents: String, mode: mode_t, says: String)] = [
            ("\n\(Self.passphrase)\n", 0o600, "more than one line"),
            ("\(Self.passphrase)\nsecond line\n", 0o600, "more than one line"),
            ("", 0o600, "is empty"),
            ("\(Self.passphrase)\n", 0o644, "chmod 600 \(file)"),
        ]
        for shape in refused {
            try Self.write(shape.contents, to: file, mode: shape.mode)
            let check = try DaemonHarness.run("'\(DaemonHarness.aegisd)' config check --config '\(daemon.configPath)'")
            #expect(check.status == 2, "\(check.output)")
            #expect(check.output.contains(file) && check.output.contains(shape.says), "\(check.output)")
        }
        // A start with such a file stops before any server starts.
        let start = try DaemonHarness.run("timeout 60 '\(DaemonHarness.aegisd)' --config '\(daemon.configPath)' --stderr-log")
        #expect(start.status == 2 && start.output.contains(file), "\(start.output)")

        try Self.write("\(Self.passphrase)\n", to: file)
        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        #expect(try daemon.aegisctl("backup postgres-backend").status == 0)
        let before = try FileManager.default.contentsOfDirectory(atPath: "\(daemon.root)/backups/postgres-backend")
        for shape in refused {
            try Self.write(shape.contents, to: file, mode: shape.mode)
            let backup = try daemon.aegisctl("backup postgres-backend")
            #expect(backup.status == 1 && backup.output.contains(file) && backup.output.contains(shape.says), "\(backup.output)")
            let restore = try daemon.aegisctl("restore postgres-backend latest --yes")
            #expect(restore.status == 1 && restore.output.contains(file) && restore.output.contains(shape.says), "\(restore.output)")
        }
        let after = try FileManager.default.contentsOfDirectory(atPath: "\(daemon.root)/backups/postgres-backend")
        #expect(after.filter { !$0.hasSuffix(".manifest.json") } == before.filter { !$0.hasSuffix(".manifest.json") })
        // Fixed, the same backup opens again.
        try Self.write("\(Self.passphrase)\r\n", to: file)
        let verify = try daemon.aegisctl("verify postgres-backend latest")
        #expect(verify.status == 0, "\(verify.output)")
        #expect(try await daemon.terminate() == 0)
    }
}
