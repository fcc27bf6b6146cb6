import AegisCore
import Foundation
import Testing

/// aegisd's own lines and its children's lines in a real journald, with the fields an operator
/// filters on (`journalctl AEGIS_SERVICE=postgres-backend -p err`).
@Suite(.serialized) struct JournalTests {
    @Test func testDaemonAndChildLines_reachJournaldWithFieldsAndPriorities() async throws {
        guard try await Journald.ensureRunning() else {
            Issue.record("journald could not be started here (needs root and systemd-journald)")
            return
        }
        let daemon = try await DaemonHarness()
        try daemon.start(journal: true)
        try await daemon.waitUntilAllHealthy()
        let pid = try #require(daemon.process?.processIdentifier)
        // A failed login makes PostgreSQL log a FATAL line.
        _ = try? DaemonHarness.shell(
            "psql 'host=127.0.0.1 port=\(daemon.config.postgres.instances[.backend]!.port) user=aegis_backend_user dbname=aegis_backend' -c 'SELECT 1'",
            environment: ["PGPASSWORD": "wrong"])
        #expect(try await daemon.terminate() == 0)

        try await waitUntil("aegisd's lines in the journal") {
            !((try? Journald.entries(["_PID=\(pid)", "SYSLOG_IDENTIFIER=aegisd", "MESSAGE=aegisd stopped"])) ?? []).isEmpty
        }
        let own = try Journald.entries(["_PID=\(pid)", "SYSLOG_IDENTIFIER=aegisd", "AEGIS_SERVICE=postgres-ai"])
        #expect(own.contains { $0["MESSAGE"]?.contains("postgres-ai: starting → running") == true })
        #expect(own.allSatisfy { $0["PRIORITY"] != nil })

        let child = try Journald.entries(["_PID=\(pid)", "SYSLOG_IDENTIFIER=aegis-postgres-backend"])
        #expect(child.contains { $0["MESSAGE"]?.contains("database system is ready to accept connections") == true })
        #expect(child.allSatisfy { $0["AEGIS_SERVICE"] == "postgres-backend" && $0["AEGIS_PID"] != nil })

        let errors = try Journald.entries(["_PID=\(pid)", "AEGIS_SERVICE=postgres-backend"], priority: "err")
        #expect(errors.contains { $0["MESSAGE"]?.contains("password authentication failed") == true })
        #expect(!errors.contains { $0["MESSAGE"]?.contains("ready to accept connections") == true })
    }
}
