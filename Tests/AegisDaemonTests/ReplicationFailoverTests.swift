import AegisCore
import AegisSystem
import AegisTestSupport
import Foundation
import Testing

/// A failover under write load loses nothing acknowledged beyond the replication lag: writers
/// record every commit the primary acknowledged, the lag is sampled while they write, the
/// standby is then cut off (the primary's WAL sender stopped) so that it falls behind, the
/// primary's aegisd and every child are killed with SIGKILL, the standby is promoted with
/// `--force`, and the acknowledged commits are looked for on it.
///
/// A lag sample reads the primary's `pg_current_wal_lsn()` (at or past the commit record of
/// every commit acknowledged before the reading) and then waits until the standby has received
/// and flushed that position (`pg_last_wal_receive_lsn()`): from then on every commit
/// acknowledged before the sample is on the standby's disk, and promotion replays all of it.
@Suite(.serialized) struct ReplicationFailoverTests {
    /// Asynchronous replication (the default): what the primary acknowledged after the standby's
    /// last confirmed position may be lost (and is, with the standby cut off before the kill);
    /// nothing before it may.
    @Test func anAsynchronousFailoverLosesNothingAcknowledgedBeforeTheLastCaughtUpSample() async throws {
        let outcome = try await Self.failover(synchronous: false)
        #expect(outcome.checkedBefore > 0, "commits acknowledged before the last caught-up sample")
        #expect(outcome.lostBefore.isEmpty, "acknowledged before the standby had caught up, yet lost: \(outcome.lostBefore)")
        #expect(outcome.halfWritten.isEmpty, "\(outcome.halfWritten)")
        // The WAL of the commits acknowledged while the standby received nothing never left the
        // primary: those are lost, which is what the lag bound allows and synchronous prevents.
        #expect(!outcome.lostAfter.isEmpty, "acknowledged while the standby was cut off, yet found on it")
        print("asynchronous failover: \(outcome.checkedBefore) commits acknowledged before the last caught-up sample, all present; "
            + "\(outcome.checkedAfter) acknowledged after it, \(outcome.lostAfter.count) of them lost (within the lag)")
    }

    /// `[replication] synchronous = true`: a commit is acknowledged only once the standby has
    /// its WAL, so nothing acknowledged is lost, even with the standby cut off before the kill
    /// (the writers wait instead).
    @Test func aSynchronousFailoverLosesNothingAcknowledged() async throws {
        let outcome = try await Self.failover(synchronous: true)
        #expect(outcome.checkedBefore > 0 && outcome.checkedAfter > 0, "commits acknowledged before and after the last sample")
        #expect(outcome.lostBefore.isEmpty && outcome.lostAfter.isEmpty,
                "acknowledged yet lost: \(outcome.lostBefore + outcome.lostAfter)")
        #expect(outcome.halfWritten.isEmpty, "\(outcome.halfWritten)")
    }

    struct Outcome {
        var checkedBefore = 0, checkedAfter = 0
        var lostBefore: [String] = [], lostAfter: [String] = []
        var halfWritten: [String] = []
    }

    static let writers = 2
    /// Lag samples confirmed before the kill, and acknowledgements wanted in all.
    static let samples = 5
    static let acknowledgements = 200
    /// Asynchronous: commits acknowledged after the standby stopped receiving, before the kill.
    static let acknowledgedWhileBehind = 20

    static func failover(synchronous: Bool) async throws -> Outcome {
        let pair = try await ReplicationPair.start { config in config.replication.synchronous = synchronous }
        let (primary, standby) = (pair.primary, pair.standby)
        try primary.ownerSQL(
            .backend, "CREATE TABLE chaos_ledger (writer int, seq bigint, part int, PRIMARY KEY (writer, seq, part))",
            granting: ["chaos_ledger"])
        let settings = primary.config.postgres.instances[.backend]!
        if synchronous {
            let state = try primary.superuserSQL(.backend, "SELECT sync_state FROM pg_stat_replication")
            #expect(state == "sync", "commits wait for the standby")
        }

        // The load: each writer commits numbered transactions and records those acknowledged.
        let ledger = ChaosLedger()
        let load = ChaosLoad(ledger: ledger)
        let parameters = [
            "host": "127.0.0.1", "port": "\(settings.port)", "user": settings.user, "dbname": settings.database,
            "password": try primary.password(.postgresBackend), "connect_timeout": "3",
        ]
        for number in 1...writers {
            load.startPostgresWriter(.init(service: .postgresBackend, number: number), parameters: parameters)
        }

        // Lag samples while they write, until enough of both.
        var lastCaughtUp: ContinuousClock.Instant?
        var confirmed = 0
        while confirmed < samples || ledger.count(of: .postgresBackend) < acknowledgements {
            let sampledAt = ContinuousClock.now
            let position = try primary.superuserSQL(.backend, "SELECT pg_current_wal_lsn()")
            try await Poll.until("the standby to receive \(position)", timeout: .seconds(60)) {
                try standby.superuserSQL(.backend, "SELECT pg_last_wal_receive_lsn() >= '\(position)'::pg_lsn") == "t"
            }
            lastCaughtUp = sampledAt
            confirmed += 1
        }
        let cutoff = try #require(lastCaughtUp)
        try await Poll.until("commits acknowledged after the last sample", timeout: .seconds(60)) {
            ledger.writers.contains { ledger.acknowledgements(of: $0).last.map { $0.at > cutoff } == true }
        }

        // Then the standby falls behind for good: the primary's WAL sender to it is stopped
        // (SIGSTOP), so no WAL written from now on reaches it. Asynchronous: commits go on being
        // acknowledged without it. Synchronous: each writer's commit waits for it (`SyncRep`).
        let walSender = try #require(Int32(try primary.superuserSQL(
            .backend, "SELECT pid FROM pg_stat_replication WHERE application_name = '\(ReplicationPair.slotName)'")))
        kill(walSender, SIGSTOP)
        let stoppedAt = ContinuousClock.now
        if synchronous {
            try await Poll.until("every writer waiting for the standby", timeout: .seconds(60)) {
                let waiting = try primary.superuserSQL(.backend, "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'SyncRep'")
                return (Int(waiting) ?? 0) >= writers
            }
        } else {
            try await Poll.until("commits acknowledged while the standby receives nothing", timeout: .seconds(60)) {
                ledger.writers.reduce(0) { sum, writer in
                    sum + ledger.acknowledgements(of: writer).filter { $0.at > stoppedAt }.count
                } >= acknowledgedWhileBehind
            }
        }

        // The primary host dies: aegisd and every child at once.
        try await primary.killDaemon()
        for pid in primary.ourProcesses() where pid != getpid() { kill(pid, SIGKILL) }
        try await load.stop()
        try await standby.waitFor("the standby to notice the primary is gone", timeout: .seconds(60)) { report in
            report.services.filter { $0.name.hasPrefix("postgres") }.allSatisfy { $0.replication?.streaming == false }
        }
        let promoted = try standby.aegisctl("promote --force")
        #expect(promoted.status == 0, "\(promoted.output)")

        // Every acknowledged commit looked for on the new primary, which accepts writes.
        let standbySettings = standby.config.postgres.instances[.backend]!
        let connection = try PostgresConnection(
            parameters: [
                "host": "\(standby.root)/run/postgres-backend", "port": "\(standbySettings.port)",
                "user": standby.config.daemon.user, "dbname": standbySettings.database,
            ], timeout: .seconds(10))
        _ = try connection.execute("INSERT INTO chaos_ledger VALUES (0, 0, 1)", timeout: .seconds(10))
        let rows = try connection.execute(
            "SELECT writer, seq, count(*) FROM chaos_ledger WHERE writer > 0 GROUP BY writer, seq", timeout: .seconds(30))
        var present: [Int: Set<Int>] = [:]
        var outcome = Outcome()
        for row in rows {
            let writer = Int(row[0] ?? "") ?? -1, seq = Int(row[1] ?? "") ?? -1
            present[writer, default: []].insert(seq)
            if row[2] != "2" { outcome.halfWritten.append("writer \(writer) seq \(seq): \(row[2] ?? "?") of 2 rows") }
        }
        for writer in ledger.writers {
            for acknowledged in ledger.acknowledgements(of: writer) {
                let missing = present[writer.number]?.contains(acknowledged.seq) != true
                let name = "writer \(writer.number) seq \(acknowledged.seq)"
                if acknowledged.at < cutoff {
                    outcome.checkedBefore += 1
                    if missing { outcome.lostBefore.append(name) }
                } else {
                    outcome.checkedAfter += 1
                    if missing { outcome.lostAfter.append(name) }
                }
            }
        }
        #expect(try await standby.terminate() == 0)
        return outcome
    }
}
