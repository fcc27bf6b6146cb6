import AegisCore
import AegisSystem
import Foundation
import Testing
import AegisTestSupport

/// aegisd's own lines and its children's lines in a real journald, with the fields an operator
/// filters on (`journalctl AEGIS_SERVICE=postgres-backend -p err`).
@Suite(.serialized) struct JournalTests {
    @Test func testDaemonAndChildLines_reachJournaldWithFieldsAndPriorities() async throws {
        guard try await Journald.ensureRunning() else {
            Issue.record("journald could not be started here (needs root and systemd-journald)")
            return
        }
        let daemon = try await DaemonHarness()
        // Entries of this run only: pids are reused, the journal keeps earlier ones.
        let started = Date()
        try daemon.start(journal: true)
        try await daemon.waitUntilAllHealthy()
        let pid = try #require(daemon.process?.processIdentifier)
        // A failed login makes PostgreSQL log a FATAL line.
        _ = try? DaemonHarness.shell(
            "psql 'host=127.0.0.1 port=\(daemon.config.postgres.instances[.backend]!.port) user=aegis_backend_user dbname=aegis_backend' -c 'SELECT 1'",
            environment: ["PGPASSWORD": "wrong"])
        // A statement error: PostgreSQL writes ERROR and STATEMENT lines, which are one entry.
        _ = try? daemon.psql(.backend, "SELEC 1")
        try await Poll.until("the statement error in aegisctl logs") {
            (try? daemon.aegisctl("logs postgres-backend -n 50").output.contains("STATEMENT:  SELEC 1")) == true
        }
        #expect(try await daemon.terminate() == 0)

        try await Poll.until("aegisd's lines in the journal") {
            !((try? Journald.entries(["_PID=\(pid)", "SYSLOG_IDENTIFIER=aegisd", "MESSAGE=aegisd stopped"], since: started)) ?? []).isEmpty
        }
        let own = try Journald.entries(["_PID=\(pid)", "SYSLOG_IDENTIFIER=aegisd", "AEGIS_SERVICE=postgres-ai"], since: started)
        #expect(own.contains { $0["MESSAGE"]?.contains("postgres-ai: starting → running") == true })
        #expect(own.allSatisfy { $0["PRIORITY"] != nil })

        let child = try Journald.entries(["_PID=\(pid)", "SYSLOG_IDENTIFIER=aegis-postgres-backend"], since: started)
        #expect(child.contains { $0["MESSAGE"]?.contains("database system is ready to accept connections") == true })
        #expect(child.allSatisfy { $0["AEGIS_SERVICE"] == "postgres-backend" && $0["AEGIS_PID"] != nil })

        let errors = try Journald.entries(["_PID=\(pid)", "AEGIS_SERVICE=postgres-backend"], priority: "err", since: started)
        #expect(errors.contains { $0["MESSAGE"]?.contains("password authentication failed") == true })
        #expect(!errors.contains { $0["MESSAGE"]?.contains("ready to accept connections") == true })
        let statementError = errors.first { $0["MESSAGE"]?.contains("syntax error at or near \"SELEC\"") == true }
        #expect(statementError?["MESSAGE"]?.contains("\n") == true, "ERROR and STATEMENT in one entry")
        #expect(statementError?["MESSAGE"]?.contains("STATEMENT:  SELEC 1") == true)
        #expect(statementError?["PRIORITY"] == "3")
        #expect(statementError?["SYSLOG_PID"] == statementError?["AEGIS_PID"])
        #expect(!child.contains { $0["MESSAGE"]?.hasPrefix("STATEMENT") == true || $0["MESSAGE"]?.contains("] STATEMENT:") == true && $0["MESSAGE"]?.contains("ERROR:") == false })
    }

    /// `[logs] journal = false`: children's entries stay out of journald (for a host whose
    /// journald cannot keep up) but still reach the ring; aegisd's own messages still go there.
    @Test func testJournalOff_childrensEntriesOnlyInTheRing_aegisdsOwnStillInJournald() async throws {
        guard try await Journald.ensureRunning() else {
            Issue.record("journald could not be started here (needs root and systemd-journald)")
            return
        }
        let daemon = try await DaemonHarness { config in
            config.logs.journal = false
            config.loki.enabled = false
        }
        // Entries of this run only: pids are reused, the journal keeps earlier ones.
        let started = Date()
        try daemon.start(journal: true)
        try await daemon.waitUntilAllHealthy()
        let pid = try #require(daemon.process?.processIdentifier)
        try await Poll.until("PostgreSQL's start in aegisctl logs") {
            (try? daemon.aegisctl("logs postgres-backend -n 100").output.contains("ready to accept connections")) == true
        }
        #expect(try await daemon.terminate() == 0)
        try await Poll.until("aegisd's own lines in the journal") {
            !((try? Journald.entries(["_PID=\(pid)", "SYSLOG_IDENTIFIER=aegisd", "MESSAGE=aegisd stopped"], since: started)) ?? []).isEmpty
        }
        #expect(try Journald.entries(["_PID=\(pid)", "SYSLOG_IDENTIFIER=aegis-postgres-backend"], since: started).isEmpty)
        #expect(try Journald.entries(["_PID=\(pid)", "AEGIS_STREAM=stderr"], since: started).isEmpty)
    }

    /// The writer behind children's lines: a plain entry, a multi-line one (libsystemd's
    /// binary-safe field form) and one too large for a datagram (passed in a memfd) all arrive
    /// whole, in order, with the shared fields and priorities.
    @Test func testJournalFields_sendPlainMultiLineAndOversizedEntriesWhole() async throws {
        guard try await Journald.ensureRunning() else {
            Issue.record("journald could not be started here (needs root and systemd-journald)")
            return
        }
        let identifier = "aegis-socket-test-\(UInt32.random(in: 0...UInt32.max))"
        let fields = JournalFields([(name: "SYSLOG_IDENTIFIER", value: identifier), (name: "AEGIS_SERVICE", value: "redis")])
        let large = String(repeating: "0123456789abcdef", count: 64 * 1024)  // 1 MiB: beyond any datagram here
        var scratch: [UInt8] = []
        #expect(fields.send(message: "plain entry", priority: 6, scratch: &scratch))
        #expect(fields.send(message: "ERROR:  first line\nSTATEMENT:  second line\n\tthird", priority: 3, scratch: &scratch))
        #expect(fields.send(message: large, priority: 4, scratch: &scratch))

        var got: [[String: String]] = []
        try await Poll.until("three entries in the journal") {
            got = (try? Journald.entries(["SYSLOG_IDENTIFIER=\(identifier)"])) ?? []
            return got.count >= 3
        }
        #expect(got.map { $0["MESSAGE"]?.count ?? -1 } == [11, 49, large.count])
        #expect(got[1]["MESSAGE"] == "ERROR:  first line\nSTATEMENT:  second line\n\tthird")
        #expect(got[2]["MESSAGE"] == large)
        #expect(got.map { $0["PRIORITY"] } == ["6", "3", "4"])
        #expect(got.allSatisfy { $0["AEGIS_SERVICE"] == "redis" })
    }

    /// sd-journal reading of another unit's entries (here matched by identifier: without
    /// systemd as PID 1 nothing has a _SYSTEMD_UNIT), resumed after a saved cursor.
    @Test func testJournalTailer_readsNewEntries_andResumesAfterItsCursor() async throws {
        guard try await Journald.ensureRunning() else {
            Issue.record("journald could not be started here (needs root and systemd-journald)")
            return
        }
        let identifier = "aegis-tail-test-\(UInt32.random(in: 0...UInt32.max))"
        let match = ["SYSLOG_IDENTIFIER=\(identifier)"]
        let tailer = try JournalTailer(matches: match, after: nil)
        for (n, priority) in [(1, 6), (2, 3), (3, 4)] {
            JournalWriter.send([("MESSAGE", "entry \(n)"), ("PRIORITY", String(priority)), ("SYSLOG_IDENTIFIER", identifier)])
        }
        var got: [JournalTailer.Entry] = []
        try await Poll.until("three entries through sd-journal") {
            got += tailer.poll()
            return got.count >= 3
        }
        #expect(got.map(\.message) == ["entry 1", "entry 2", "entry 3"])
        #expect(got.map(\.priority) == [6, 3, 4])
        let cursor = try #require(tailer.cursor)
        JournalWriter.send([("MESSAGE", "entry 4"), ("SYSLOG_IDENTIFIER", identifier)])
        let resumed = try JournalTailer(matches: match, after: cursor)
        var after: [String] = []
        try await Poll.until("the entry after the cursor") {
            after += resumed.poll().map(\.message)
            return !after.isEmpty
        }
        #expect(after == ["entry 4"])
    }
}
