import AegisCore
import AegisSystem
import AegisTestSupport
import Foundation
import Testing

/// Failback: the primary A dies, its standby B is promoted and takes writes, and A comes back
/// (its configuration still says primary) and takes a write of its own that B never sees. Then
/// `aegisctl replication rejoin --bundle` on A with a bundle B made: each PostgreSQL instance is
/// rewound with pg_rewind (A's own write discarded), except postgres-ai, whose rewind B's
/// replication role cannot serve (a grant pg_rewind needs revoked there): that one is moved
/// aside and copied again. A then streams every instance and Redis from B and refuses writes.
@Suite(.serialized) struct ReplicationRejoinTests {
    @Test func anOldPrimaryRejoinsThePromotedStandby_rewoundWherePossibleAndReseededElsewhere() async throws {
        let pair = try await ReplicationPair.start()
        let (a, b) = (pair.primary, pair.standby)
        let database = a.config.postgres.instances[.backend]!.database
        try a.ownerSQL(.backend, "CREATE TABLE failback (id int); INSERT INTO failback VALUES (1)", granting: ["failback"])
        try await Poll.until("the first row on B", timeout: .seconds(60)) {
            (try? b.superuserSQL(.backend, "SELECT count(*) FROM failback", database: database)) == "1"
        }

        // A dies with all its children; B is promoted and written to, then restarted as the
        // primary its rewritten configuration says it is (it then admits standbys).
        try await a.killDaemon()
        for pid in a.ourProcesses() where pid != getpid() { kill(pid, SIGKILL) }
        let promoted = try b.aegisctl("promote --force")
        #expect(promoted.status == 0, "\(promoted.output)")
        try b.superuserSQL(.backend, "INSERT INTO failback VALUES (2)", database: database)
        // B acts as a primary at once: backups and maintenance are no longer skipped. A bundle
        // waits for the restart that makes its instances admit standbys.
        let asPrimary = try b.status()
        #expect(asPrimary.backups?.allSatisfy { $0.skipped == nil } == true, "\(String(describing: asPrimary.backups))")
        #expect(asPrimary.maintenance?.allSatisfy { $0.skipped == nil } == true)
        let early = try b.aegisctl("replication bundle --out '\(b.root)/early.bundle' --host localhost")
        #expect(early.status == 1 && early.output.contains("restart aegisd"), "\(early.output)")
        #expect(try await b.terminate() == 0)
        try b.start()
        try await b.waitUntilAllHealthy(timeout: .seconds(120))
        try b.superuserSQL(.ai, "REVOKE EXECUTE ON FUNCTION pg_catalog.pg_read_binary_file(text) FROM aegis_replicator")
        let bundlePath = "\(b.root)/rejoin.bundle"
        let made = try b.aegisctl("replication bundle --out '\(bundlePath)' --host localhost")
        #expect(made.status == 0, "\(made.output)")

        // A comes back as a primary and takes a write B never sees: the histories fork.
        try a.start()
        try await a.waitUntilAllHealthy(timeout: .seconds(120))
        try a.superuserSQL(.backend, "INSERT INTO failback VALUES (100)", database: database)

        // A bundle A made itself names this very host: refused, nothing stopped.
        let ownBundle = "\(a.root)/own.bundle"
        #expect(try a.aegisctl("replication bundle --out '\(ownBundle)' --host localhost").status == 0)
        let own = try a.aegisctl("replication rejoin --bundle '\(ownBundle)' --yes")
        #expect(own.status == 1 && own.output.contains("this very host"), "\(own.output)")
        let unconfirmed = try a.aegisctl("replication rejoin --bundle '\(bundlePath)' < /dev/null")
        #expect(unconfirmed.status == 2 && unconfirmed.output.contains("--yes"), "\(unconfirmed.output)")

        let rejoined = try a.aegisctl("replication rejoin --bundle '\(bundlePath)' --yes --json")
        #expect(rejoined.status == 0, "\(rejoined.output)")
        let reports = try JSONDecoder().decode([RejoinReport].self, from: Data(rejoined.output.utf8))
        let outcomes = Dictionary(uniqueKeysWithValues: reports.map { ($0.service, $0.outcome) })
        #expect(outcomes == [
            "postgres-backend": .rewound, "postgres-ai": .reseeded, "postgres-executor": .rewound, "redis": .following,
        ], "\(reports)")
        #expect(reports.first { $0.service == "postgres-ai" }?.message.contains("pg_read_binary_file") == true, "\(reports)")
        let kept = try FileManager.default.contentsOfDirectory(atPath: "\(a.root)/data").filter { $0.hasPrefix("postgres-ai.before-rejoin-") }
        #expect(kept.count == 1)
        #expect(try String(contentsOfFile: a.configPath, encoding: .utf8).contains("role = \"standby\""))

        // A follows B: B's rows are there and A's own write is gone; new rows stream; A is read-only.
        try await a.waitFor("every instance of A streaming from B", timeout: .seconds(60)) { report in
            report.services.filter { $0.name != "loki" }.allSatisfy { $0.role == "standby" && $0.replication?.streaming == true }
        }
        try b.superuserSQL(.backend, "INSERT INTO failback VALUES (3)", database: database)
        try await Poll.until("B's new row on A", timeout: .seconds(60)) {
            (try? a.superuserSQL(.backend, "SELECT string_agg(id::text, ',' ORDER BY id) FROM failback", database: database)) == "1,2,3"
        }
        let write = try DaemonHarness.run(
            "psql -X -v ON_ERROR_STOP=1 '\(a.superuserURL(.backend, database: database))' -c 'INSERT INTO failback VALUES (4)'")
        #expect(write.status != 0 && write.output.contains("read-only transaction"), "\(write.output)")
        try b.redis("SET backend:failback 7")
        try await Poll.until("B's key on A's Redis", timeout: .seconds(60)) { (try? a.redis("GET backend:failback")) == "7" }
        // The slots A kept as a primary are gone with the rewind: a standby would hold their WAL for ever.
        #expect(try a.superuserSQL(.backend, "SELECT count(*) FROM pg_replication_slots") == "0")
        // A acts as a standby at once, without a restart: backups, PITR and VACUUM are skipped.
        let asStandby = try a.status()
        #expect(asStandby.backups?.allSatisfy { $0.skipped?.contains("skipped on a standby") == true } == true,
                "\(String(describing: asStandby.backups))")
        #expect(asStandby.maintenance?.filter { $0.service.hasPrefix("postgres") }.allSatisfy { $0.skipped != nil } == true)
        let backup = try a.aegisctl("backup postgres-backend")
        #expect(backup.status != 0 && backup.output.contains("skipped on a standby"), "\(backup.output)")
        // A reload of the rewritten file changes nothing: the running configuration follows it already.
        let reload = try a.aegisctl("reload")
        #expect(reload.status == 0 && reload.output.contains("nothing changed"), "\(reload.output)")

        // B holds A's slot (active, refused) and drops one no standby uses.
        try b.superuserSQL(.backend, "SELECT pg_create_physical_replication_slot('gone_standby')")
        let slot = try b.superuserSQL(.backend, "SELECT slot_name FROM pg_replication_slots WHERE active")
        let active = try b.aegisctl("replication drop-slot postgres-backend \(slot)")
        #expect(active.status == 1 && active.output.contains("active"), "\(active.output)")
        let dropped = try b.aegisctl("replication drop-slot postgres-backend gone_standby")
        #expect(dropped.status == 0, "\(dropped.output)")
        #expect(try b.superuserSQL(.backend, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'gone_standby'") == "0")

        // A restart keeps A a standby: the rewritten configuration says so.
        #expect(try await a.terminate() == 0)
        try a.start()
        try await a.waitFor("A streaming again after a restart", timeout: .seconds(120)) { report in
            report.services.filter { $0.name.hasPrefix("postgres") }.allSatisfy { $0.role == "standby" && $0.replication?.streaming == true }
        }
        #expect(try await a.terminate() == 0)
        #expect(try await b.terminate() == 0)
    }
}
