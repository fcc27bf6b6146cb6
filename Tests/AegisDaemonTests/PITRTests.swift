import AegisCore
import AegisSystem
import AegisTestSupport
import Foundation
import XCTest

/// Point-in-time recovery end to end: real PostgreSQL, real pgBackRest, the real daemon.
final class PITRTests: XCTestCase {
    /// PITR on for postgres-backend only, with a short archive_timeout so archived WAL follows
    /// the test's writes within seconds.
    private func makeHarness() async throws -> DaemonHarness {
        try await DaemonHarness { config in
            config.pitr.enabled = true
            config.pitr.archiveTimeoutS = 2
            config.postgres.instances[.ai]!.pitr = false
            config.postgres.instances[.executor]!.pitr = false
        }
    }

    private func pitrStatus(_ harness: DaemonHarness) throws -> PITRStatus? {
        try harness.send(.pitrStatus(.postgresBackend)).pitr?.first
    }

    private func waitForStanza(_ harness: DaemonHarness) async throws {
        try await harness.waitFor("the stanza of postgres-backend ready", timeout: .seconds(90)) { report in
            report.pitr?.first { $0.service == "postgres-backend" }?.stanzaReady == true
        }
    }

    /// The database's clock, as a restore target: the next whole second after now, in UTC.
    private func nextSecond(_ harness: DaemonHarness) throws -> String {
        try harness.superuserSQL(.backend,
            "SELECT to_char((date_trunc('second', clock_timestamp()) + interval '1 second') AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || '+00'")
    }

    /// Waits until the database's clock is past `time` by a second: a commit after this is later than `time`.
    private func waitPast(_ harness: DaemonHarness, _ time: String) async throws {
        try await Poll.until("the database clock past \(time)", timeout: .seconds(10), every: .milliseconds(100)) {
            try harness.superuserSQL(.backend, "SELECT clock_timestamp() > '\(time)'::timestamptz + interval '1 second'") == "t"
        }
    }

    /// Waits until everything committed so far is in the repository: the segment holding the
    /// current insert position has been archived (archive_timeout switches it).
    private func waitArchived(_ harness: DaemonHarness) async throws {
        let segment = try harness.superuserSQL(.backend, "SELECT pg_walfile_name(pg_current_wal_insert_lsn())")
        do {
            try await Poll.until("WAL segment \(segment) archived", timeout: .seconds(60), every: .milliseconds(200)) {
                let last = try harness.superuserSQL(.backend, "SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver")
                return last >= segment
            }
        } catch let timeout as PollTimeout {
            let logs = (try? DaemonHarness.shell("tail -n 15 '\(harness.root)'/pgbackrest-spool/postgres-backend/log/*; ls -la '\(harness.root)'/pgbackrest-spool/postgres-backend/archive/*/out"))
            let archiver = try? harness.superuserSQL(.backend,
                "SELECT now(), pg_current_wal_insert_lsn(), (SELECT string_agg(name, ',') FROM pg_ls_archive_statusdir()), (SELECT string_agg(name || ' ' || modification, ',') FROM pg_ls_waldir()), a.* FROM pg_stat_archiver a")
            throw TestFailure("\(timeout)\narchiver: \(archiver ?? "?")\npgBackRest:\n\(logs ?? "")\nlog:\n\(harness.log.suffix(3000))")
        }
    }

    private func notes(_ harness: DaemonHarness) throws -> [String] {
        try harness.psql(.backend, "SELECT note FROM pitr_probe ORDER BY id").split(separator: "\n").map(String.init)
    }

    func testRestoreToATimeAndToTheLatestAfterTheDataDirectoryIsGone() async throws {
        let harness = try await makeHarness()
        try harness.start()
        try await harness.waitUntilAllHealthy(timeout: .seconds(90))
        try await waitForStanza(harness)
        let conf = "\(harness.root)/conf/postgres-backend/pgbackrest.conf"
        let attributes = try FileManager.default.attributesOfItem(atPath: conf)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        XCTAssertEqual(attributes[.ownerAccountName] as? String, harness.config.daemon.user)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(harness.root)/conf/postgres-ai/pgbackrest.conf"),
                       "pitr = false for postgres-ai")

        let backup = try harness.aegisctl("pitr backup postgres-backend --type full")
        XCTAssertEqual(backup.status, 0, backup.output)
        XCTAssertEqual(try pitrStatus(harness)?.backups.map(\.type), ["full"])
        let drill = try harness.aegisctl("pitr drill postgres-backend")
        XCTAssertEqual(drill.status, 0, drill.output + harness.log.suffix(3000))
        XCTAssertNotNil(try pitrStatus(harness)?.lastDrillAt)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(harness.root)/pgbackrest-drill/postgres-backend"), "scratch removed")

        try harness.ownerSQL(.backend, "CREATE TABLE pitr_probe (id serial PRIMARY KEY, note text)", granting: ["pitr_probe"])
        try harness.ownerSQL(.backend, "GRANT USAGE ON SEQUENCE pitr_probe_id_seq TO aegis_app")
        try harness.psql(.backend, "INSERT INTO pitr_probe (note) VALUES ('before')")
        let target = try nextSecond(harness)
        try await waitPast(harness, target)
        try harness.psql(.backend, "INSERT INTO pitr_probe (note) VALUES ('after')")
        try await waitArchived(harness)

        // Outside the window: refused with the window in the message, nothing stopped.
        let early = try harness.aegisctl("restore postgres-backend --to-time '2001-01-01 00:00:00+00' --yes")
        XCTAssertEqual(early.status, 1, early.output)
        XCTAssertTrue(early.output.contains("outside the recoverable window"), early.output)
        XCTAssertEqual(try notes(harness), ["before", "after"])

        let restore = try harness.aegisctl("restore postgres-backend --to-time '\(target)' --yes")
        XCTAssertEqual(restore.status, 0, restore.output + harness.log.suffix(3000))
        XCTAssertEqual(try notes(harness), ["before"], "rows committed before \(target) are back, later ones are not")
        let kept = try FileManager.default.contentsOfDirectory(atPath: "\(harness.root)/data").filter { $0.hasPrefix("postgres-backend.pre_pitr_") }
        XCTAssertEqual(kept.count, 1, "the previous data directory is kept aside")

        // The restored instance archives again (new timeline) and the stanza checks out.
        try await waitForStanza(harness)
        try harness.psql(.backend, "INSERT INTO pitr_probe (note) VALUES ('on the new timeline')")
        try await waitArchived(harness)

        // The data directory lost: --to-latest brings back every archived commit.
        XCTAssertEqual(try harness.aegisctl("stop postgres-backend").status, 0)
        try FileManager.default.removeItem(atPath: "\(harness.root)/data/postgres-backend")
        let latest = try harness.aegisctl("restore postgres-backend --to-latest --yes")
        XCTAssertEqual(latest.status, 0, latest.output + harness.log.suffix(3000))
        XCTAssertEqual(try notes(harness), ["before", "on the new timeline"])
        try await waitForStanza(harness)
        let code = try await harness.terminate()
        XCTAssertEqual(code, 0)
    }

    /// A repository that cannot be written must not take the database down: writes go on, the
    /// lag is reported, and archiving catches up once the repository is back.
    func testUnwritableRepositoryLagsAndCatchesUp() async throws {
        let harness = try await makeHarness()
        try harness.start()
        try await harness.waitUntilAllHealthy(timeout: .seconds(90))
        try await waitForStanza(harness)
        let repo = "\(harness.root)/pgbackrest"
        XCTAssertEqual(chmod(repo, 0o000), 0)
        defer { chmod(repo, 0o750) }
        try harness.ownerSQL(.backend, "CREATE TABLE lag_probe (id int)", granting: ["lag_probe"])
        try harness.psql(.backend, "INSERT INTO lag_probe VALUES (1)")
        try harness.superuserSQL(.backend, "SELECT pg_switch_wal()")
        try await Poll.until("archiving failures counted and the lag reported", timeout: .seconds(60), every: .milliseconds(300)) {
            guard let status = try self.pitrStatus(harness) else { return false }
            return (status.failedCount ?? 0) > 0 && (status.archiveLagSeconds ?? 0) > 0 && status.problem != nil
                && (status.walBytes ?? 0) > 0
        }
        try harness.psql(.backend, "INSERT INTO lag_probe VALUES (2)")
        XCTAssertEqual(try harness.psql(.backend, "SELECT count(*) FROM lag_probe"), "2", "the database keeps serving")
        XCTAssertTrue(try harness.service(.postgresBackend).healthy)

        let failed = try XCTUnwrap(try pitrStatus(harness)?.lastFailedWal)
        XCTAssertEqual(chmod(repo, 0o750), 0)
        // PostgreSQL retries the segment that failed (at the latest a minute after its third
        // failure in a row); aegisd does nothing for it but report.
        try await Poll.until("segment \(failed) archived after all", timeout: .seconds(90), every: .milliseconds(300)) {
            try harness.superuserSQL(.backend, "SELECT coalesce(last_archived_wal, '') >= '\(failed)' FROM pg_stat_archiver") == "t"
        }
        try await Poll.until("the lag cleared", timeout: .seconds(60), every: .milliseconds(300)) {
            try self.pitrStatus(harness)?.archiveLagSeconds == 0
        }
        let code = try await harness.terminate()
        XCTAssertEqual(code, 0)
    }

    /// aegisd killed with -9 while pgBackRest takes a base backup: the next start brings the
    /// instance back with its data, the stanza's check passes, and a new backup succeeds.
    func testKillDuringABaseBackup_nextStartIsConsistent() async throws {
        let harness = try await makeHarness()
        try harness.start()
        try await harness.waitUntilAllHealthy(timeout: .seconds(90))
        try await waitForStanza(harness)
        try harness.ownerSQL(.backend, "CREATE TABLE kill_probe AS SELECT g AS id FROM generate_series(1, 200000) g",
                             granting: ["kill_probe"])
        let client = Process()
        client.executableURL = URL(fileURLWithPath: DaemonHarness.aegisctl)
        client.arguments = ["--socket", harness.config.daemon.socket, "pitr", "backup", "postgres-backend"]
        client.standardOutput = FileHandle.nullDevice
        client.standardError = FileHandle.nullDevice
        try client.run()
        try await Poll.until("pgbackrest backup running", timeout: .seconds(30), every: .milliseconds(10)) {
            harness.ourProcesses().contains { ProcessTable.commandLine($0).last == "backup" }
        }
        try await harness.killDaemon()
        client.waitUntilExit()

        try harness.start()
        try await harness.waitUntilAllHealthy(timeout: .seconds(90))
        try await waitForStanza(harness)
        XCTAssertEqual(try harness.psql(.backend, "SELECT count(*) FROM kill_probe"), "200000")
        let again = try harness.aegisctl("pitr backup postgres-backend --type full")
        XCTAssertEqual(again.status, 0, again.output + harness.log.suffix(3000))
        XCTAssertGreaterThanOrEqual(try pitrStatus(harness)?.backups.filter { $0.type == "full" }.count ?? 0, 1)
        let code = try await harness.terminate()
        XCTAssertEqual(code, 0)
    }

    /// aegisd killed while pgBackRest writes the restored data directory: the next start stops
    /// that restore (it outlives aegisd outside systemd's cgroup), puts the previous data
    /// directory back, and the instance serves everything it had.
    func testKillDuringARestore_nextStartPutsThePreviousDataBack() async throws {
        let harness = try await makeHarness()
        try harness.start()
        try await harness.waitUntilAllHealthy(timeout: .seconds(90))
        try await waitForStanza(harness)
        XCTAssertEqual(try harness.aegisctl("pitr backup postgres-backend --type full").status, 0)
        try harness.ownerSQL(.backend, "CREATE TABLE pitr_probe (id serial PRIMARY KEY, note text)", granting: ["pitr_probe"])
        try harness.ownerSQL(.backend, "GRANT USAGE ON SEQUENCE pitr_probe_id_seq TO aegis_app")
        try harness.psql(.backend, "INSERT INTO pitr_probe (note) VALUES ('kept')")
        try await waitArchived(harness)

        let client = Process()
        client.executableURL = URL(fileURLWithPath: DaemonHarness.aegisctl)
        client.arguments = ["--socket", harness.config.daemon.socket, "restore", "postgres-backend", "--to-latest", "--yes"]
        client.standardOutput = FileHandle.nullDevice
        client.standardError = FileHandle.nullDevice
        try client.run()
        let restoring: (Int32) -> Bool = { pid in
            let line = ProcessTable.commandLine(pid)
            return line.contains { $0.hasSuffix("pgbackrest") } && line.contains { $0.hasPrefix("restore") }
        }
        try await Poll.until("pgbackrest restore running", timeout: .seconds(60), every: .milliseconds(5)) {
            harness.ourProcesses().contains(where: restoring)
        }
        try await harness.killDaemon()
        client.waitUntilExit()

        try harness.start()
        try await harness.waitUntilAllHealthy(timeout: .seconds(90))
        XCTAssertFalse(harness.ourProcesses().contains(where: restoring), "the interrupted restore no longer runs")
        XCTAssertEqual(try notes(harness), ["kept"], harness.log.suffix(3000).description)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(harness.root)/data/postgres-backend.pitr-restore"))
        // The kill landed inside the restore: its half-written directory was set aside.
        let aside = try FileManager.default.contentsOfDirectory(atPath: "\(harness.root)/data")
        XCTAssertEqual(aside.filter { $0.hasPrefix("postgres-backend.failed_pitr_") }.count, 1, "\(aside)")
        try await waitForStanza(harness)
        let code = try await harness.terminate()
        XCTAssertEqual(code, 0)
    }
}
