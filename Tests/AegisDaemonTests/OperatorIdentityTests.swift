import AegisCore
import AegisSystem
import Foundation
import Glibc
import Testing
import AegisTestSupport

/// `--identity FILE` is read by aegisctl with the operator's permissions and the key travels
/// over the control socket: the daemon, running as its own unprivileged user (as under
/// systemd), restores with a key it could never open itself, and never shows it anywhere.
@Suite(.serialized) struct OperatorIdentityTests {
    /// As the service user, as aegisd's own children and tools run.
    static func asServiceUser(_ daemon: DaemonHarness, _ command: String) throws -> (status: Int32, output: String) {
        let user = daemon.config.daemon.user
        return try DaemonHarness.run("setpriv --reuid='\(user)' --regid='\(user)' --init-groups -- \(command)")
    }

    /// - Parameter journal: aegisd logs to journald (false: to its stderr, which the harness keeps).
    @Test(arguments: [false, true])
    func testAKeyOnlyRootCanRead_restoresAndVerifies_throughAegisctl_andIsNeverShown(journal: Bool) async throws {
        if journal, try await !Journald.ensureRunning() { return }
        // The operator's key: 0400 root:root in a 0700 directory of root's.
        let keyDirectory = try DaemonHarness.makeTemporaryDirectory(prefix: "aegisd-test-operator")
        defer { try? FileManager.default.removeItem(atPath: keyDirectory) }
        chmod(keyDirectory, 0o700)
        let key = "\(keyDirectory)/backup.agekey"
        try DaemonHarness.shell("age-keygen -o '\(key)' 2>/dev/null && chmod 0400 '\(key)'")
        let recipient = try DaemonHarness.shell("age-keygen -y '\(key)'")
        let secretLine = try #require(
            try String(contentsOfFile: key, encoding: .utf8).split(separator: "\n").first { $0.hasPrefix("AGE-SECRET-KEY-1") })

        let daemon = try await DaemonHarness { $0.backup.recipients = [recipient] }
        // Entries of this run only: pids are reused, the journal keeps earlier ones.
        let started = Date()
        try daemon.start(journal: journal, asServiceUser: true)
        let pid = try #require(daemon.process?.processIdentifier)
        try await daemon.waitUntilAllHealthy()
        #expect(try Self.asServiceUser(daemon, "cat '\(key)'").status != 0, "the daemon's user must not be able to read the key")

        let owner = "psql -X -q -v ON_ERROR_STOP=1 '\(daemon.superuserURL(.backend, database: "aegis_backend"))'"
        let create = try Self.asServiceUser(daemon, "\(owner) -c 'SET ROLE aegis_owner; CREATE TABLE people (id int PRIMARY KEY); INSERT INTO people SELECT generate_series(1, 400); GRANT SELECT, DELETE ON people TO aegis_app'")
        #expect(create.status == 0, "\(create.output)")
        #expect(try daemon.aegisctl("backup postgres-backend").status == 0)
        _ = try daemon.psql(.backend, "DELETE FROM people WHERE id > 4")

        // A client sending the path (the protocol's older way): the daemon opens it as itself, and cannot.
        let byPath = try ControlClient.send(
            ControlRequest.verify(RestoreTarget(service: .postgresBackend, identity: .path(key))), socketPath: daemon.config.daemon.socket,
            timeout: .seconds(60))
        #expect(byPath.ok == false && byPath.error?.message.contains("Permission denied") == true, "\(byPath)")

        // aegisctl reads it as root and sends the key: restore from the file, drill from stdin.
        let restore = try daemon.aegisctl("restore postgres-backend latest --yes --identity '\(key)'")
        #expect(restore.status == 0, "\(restore.output)")
        #expect(try daemon.psql(.backend, "SELECT count(*) FROM people") == "400")
        let drill = try daemon.aegisctl("verify postgres-backend latest --identity - < '\(key)'")
        #expect(drill.status == 0, "\(drill.output)")
        let status = try daemon.aegisctl("status --json")

        // Another key is refused as the wrong key, and is not shown either.
        let other = "\(keyDirectory)/other.agekey"
        try DaemonHarness.shell("age-keygen -o '\(other)' 2>/dev/null")
        let otherLine = try #require(
            try String(contentsOfFile: other, encoding: .utf8).split(separator: "\n").first { $0.hasPrefix("AGE-SECRET-KEY-1") })
        let wrong = try daemon.aegisctl("verify postgres-backend latest --identity '\(other)'")
        #expect(wrong.status == 1, "\(wrong.output)")
        #expect(try await daemon.terminate() == 0)

        // Everything aegisd said, including the restore it logged (so the log is the right one).
        var output = daemon.log
        if journal {
            try await Poll.until("aegisd's last line in the journal") {
                !((try? Journald.entries(["_PID=\(pid)", "MESSAGE=aegisd stopped"], since: started)) ?? []).isEmpty
            }
            output = try Journald.entries(["_PID=\(pid)"], since: started).map { $0.values.sorted().joined(separator: " ") }
                .joined(separator: "\n")
        }
        #expect(output.contains("restored from"), "\(output.suffix(2000))")
        for (what, text) in [("restore", restore.output), ("verify", drill.output), ("status", status.output),
                             ("wrong key", wrong.output), ("daemon's output", output)] {
            // In either case: bech32 decoding lowercases, so a leak could show either way.
            let shown = text.lowercased()
            #expect(!shown.contains(secretLine.lowercased()) && !shown.contains(otherLine.lowercased()), "a key appears in the \(what)")
        }
    }

    /// Reading the key is aegisctl's job, so its failures are usage errors (2) named by path and
    /// errno, before the daemon is even asked (the socket here leads nowhere).
    @Test func testAKeyAegisctlCannotRead_isAUsageError_namingThePathAndTheReason() throws {
        let directory = try DaemonHarness.makeTemporaryDirectory(prefix: "aegisd-test-nokey")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let aegisctl = "'\(DaemonHarness.aegisctl)' --socket '\(directory)/none.sock'"

        let missing = try DaemonHarness.run("\(aegisctl) verify redis latest --identity '\(directory)/absent.agekey'")
        #expect(missing.status == 2)
        #expect(missing.output.contains("\(directory)/absent.agekey: No such file or directory"), "\(missing.output)")

        let unreadable = "\(directory)/root-only.agekey"
        try DaemonHarness.shell("age-keygen -o '\(unreadable)' 2>/dev/null && chmod 0400 '\(unreadable)'")
        let denied = try DaemonHarness.run(
            "setpriv --reuid=nobody --regid=nogroup --clear-groups -- \(aegisctl) verify redis latest --identity '\(unreadable)'")
        #expect(denied.status == 2)
        #expect(denied.output.contains("\(unreadable): Permission denied"), "\(denied.output)")

        try DaemonHarness.shell("echo 'not a key' > '\(directory)/notes.txt'")
        let notAKey = try DaemonHarness.run("\(aegisctl) verify redis latest --identity '\(directory)/notes.txt'")
        #expect(notAKey.status == 2 && notAKey.output.contains("not a valid age identity file"), "\(notAKey.output)")

        // The key on stdin leaves no way to confirm: restore wants --yes.
        let noConfirmation = try DaemonHarness.run("\(aegisctl) restore redis latest --identity - < '\(unreadable)'")
        #expect(noConfirmation.status == 2 && noConfirmation.output.contains("cannot answer the confirmation; add --yes"), "\(noConfirmation.output)")

        // A readable key gets as far as the daemon, which is not there (3).
        let unreachable = try DaemonHarness.run("\(aegisctl) verify redis latest --identity - < '\(unreadable)'")
        #expect(unreachable.status == 3, "\(unreachable.output)")
    }
}
