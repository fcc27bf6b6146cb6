import AegisCore
import AegisSystem
import AegisTestSupport
import Foundation
import XCTest

/// pgBackRest's repository 2 on a real S3-compatible store (SeaweedFS) over TLS, its
/// certificate issued by aegisd's own CA: WAL and base backups reach it, a restore to a time
/// works from it alone, and a store that is down never takes the database down.
final class PITRRepo2Tests: XCTestCase {
    private let bucket = "aegis-pitr"

    /// PITR for postgres-backend only, repository 2 on `store` (not started yet: its
    /// certificate comes from the CA the daemon makes at its first start).
    private func makeHarness(_ store: SeaweedStore) async throws -> DaemonHarness {
        let harness = try await DaemonHarness { config in
            config.pitr.enabled = true
            config.pitr.archiveTimeoutS = 2
            config.postgres.instances[.ai]!.pitr = false
            config.postgres.instances[.executor]!.pitr = false
            // A host name: pgBackRest matches the endpoint against the certificate's DNS names only.
            config.pitr.repo2Endpoint = "localhost:\(store.s3Port)"
            config.pitr.repo2Bucket = "aegis-pitr"
            config.pitr.repo2Path = "/hosts/test"
            config.pitr.repo2URIStyle = "path"
            config.pitr.repo2CAFile = PITRSettings.aegisdCA
            config.pitr.repo2KeyFile = "\(config.layout.root)/s3.key"
            config.pitr.repo2SecretKeyFile = "\(config.layout.root)/s3.secret"
        }
        try FileSystem.writeAtomically("\(harness.root)/s3.key", contents: store.accessKey + "\n", mode: 0o600)
        try FileSystem.writeAtomically("\(harness.root)/s3.secret", contents: store.secretKey + "\n", mode: 0o600)
        return harness
    }

    /// Gives the store a server certificate for 127.0.0.1 and localhost from the daemon's CA
    /// and starts it, with the bucket made.
    private func startStore(_ store: SeaweedStore, caOf harness: DaemonHarness) async throws {
        let layout = CertificateLayout(harness.config.layout)
        try await Poll.until("aegisd's CA", timeout: .seconds(60), every: .milliseconds(100)) {
            FileManager.default.fileExists(atPath: layout.ca.key)
        }
        let ca = try CertificateAuthority.load(layout.ca)
        let now = UTCTimestamp(secondsSinceEpoch: Int64(Date().timeIntervalSince1970))
        let key = try PrivateKey.generateP256()
        let certificate = try ca.issueServer(
            commonName: "seaweedfs-s3", subjectAltNames: ["127.0.0.1", "localhost"], key: key,
            validity: .days(30, from: now.adding(seconds: -3600)))
        try FileSystem.writeAtomically("\(store.directory)/s3.crt", contents: try certificate.pemEncoded(), mode: 0o644)
        try FileSystem.writeAtomically("\(store.directory)/s3.key", contents: try key.pemEncoded(), mode: 0o600)
        store.tls = ("\(store.directory)/s3.crt", "\(store.directory)/s3.key", layout.ca.certificate)
        try await store.start()
        let config = try store.writeRcloneConfig(at: "\(store.directory)/client.conf")
        try store.rclone(["mkdir", "store:\(bucket)"], config: config)
    }

    private func storeObjects(_ store: SeaweedStore, under path: String) throws -> [String] {
        try store.rclone(["lsf", "-R", "--files-only", "store:\(bucket)/hosts/test/\(path)"], config: "\(store.directory)/client.conf")
            .split(separator: "\n").map(String.init)
    }

    private func pitrStatus(_ harness: DaemonHarness) throws -> PITRStatus? {
        try harness.send(.pitrStatus(.postgresBackend)).pitr?.first
    }

    private func repository(_ harness: DaemonHarness, _ repo: Int) throws -> PITRRepositoryStatus? {
        try pitrStatus(harness)?.repositories?.first { $0.repo == repo }
    }

    private func notes(_ harness: DaemonHarness) throws -> [String] {
        try harness.psql(.backend, "SELECT note FROM pitr_probe ORDER BY id").split(separator: "\n").map(String.init)
    }

    /// The segment holding everything committed so far, once PostgreSQL reports it archived
    /// (in every repository: archive-push succeeds only then).
    private func waitArchived(_ harness: DaemonHarness) async throws -> String {
        let segment = try harness.superuserSQL(.backend, "SELECT pg_walfile_name(pg_current_wal_insert_lsn())")
        try await Poll.until("WAL segment \(segment) archived", timeout: .seconds(90), every: .milliseconds(200)) {
            try harness.superuserSQL(.backend, "SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver") >= segment
        }
        return segment
    }

    func testRepo2OnSeaweedFSOverTLS_archivesBacksUpAndRestoresAlone() async throws {
        let store = try await SeaweedStore(start: false)
        let harness = try await makeHarness(store)
        try harness.start()
        try await harness.waitUntilAllHealthy(timeout: .seconds(90))
        try await startStore(store, caOf: harness)

        // The secrets are in pgBackRest's 0600 file and nowhere else aegisd writes.
        let conf = try String(contentsOfFile: "\(harness.root)/conf/postgres-backend/pgbackrest.conf", encoding: .utf8)
        XCTAssertTrue(conf.contains("repo2-type=s3") && conf.contains("repo2-s3-uri-style=path"), conf)
        XCTAssertTrue(conf.contains("repo2-storage-ca-file=\(CertificateLayout(harness.config.layout).ca.certificate)"))
        XCTAssertTrue(conf.contains("repo2-cipher-type=aes-256-cbc"))
        XCTAssertFalse(harness.log.contains(store.secretKey), "the secret key is never logged")

        // A full backup goes into both repositories (the stanza is created in both first).
        let backup = try harness.aegisctl("pitr backup postgres-backend --type full")
        XCTAssertEqual(backup.status, 0, backup.output + harness.log.suffix(3000))
        let status = try XCTUnwrap(try pitrStatus(harness))
        XCTAssertEqual(status.backups.map(\.repo), [1, 2], "\(status)")
        XCTAssertTrue(status.stanzaReady)
        XCTAssertEqual(try repository(harness, 2)?.readable, true)
        XCTAssertEqual(try repository(harness, 2)?.backupCount, 1)
        XCTAssertFalse(try storeObjects(store, under: "backup/postgres-backend").isEmpty, "the base backup is in the store")
        let text = try harness.aegisctl("pitr status postgres-backend")
        XCTAssertTrue(text.output.contains("repo2 s3://aegis-pitr/hosts/test at localhost:\(store.s3Port): 1 base backup"), text.output)

        try harness.ownerSQL(.backend, "CREATE TABLE pitr_probe (id serial PRIMARY KEY, note text)", granting: ["pitr_probe"])
        try harness.ownerSQL(.backend, "GRANT USAGE ON SEQUENCE pitr_probe_id_seq TO aegis_app")
        try harness.psql(.backend, "INSERT INTO pitr_probe (note) VALUES ('before')")
        let target = try harness.superuserSQL(.backend,
            "SELECT to_char((date_trunc('second', clock_timestamp()) + interval '1 second') AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || '+00'")
        try await Poll.until("the database clock past \(target)", timeout: .seconds(10), every: .milliseconds(100)) {
            try harness.superuserSQL(.backend, "SELECT clock_timestamp() > '\(target)'::timestamptz + interval '1 second'") == "t"
        }
        try harness.psql(.backend, "INSERT INTO pitr_probe (note) VALUES ('after')")
        let segment = try await waitArchived(harness)
        XCTAssertTrue(try storeObjects(store, under: "archive/postgres-backend").contains { $0.contains(segment) },
                      "WAL segment \(segment) is in the store")

        // Repository 1 gone: pgBackRest restores from repository 2 alone, WAL included. The
        // instance is stopped first, as after a loss; the window aegisd knows must reach the target.
        let targetSeconds = try RecoveryTime(parsing: target).secondsSinceEpoch
        try await Poll.until("the recoverable window past \(target)", timeout: .seconds(30), every: .milliseconds(300)) {
            (try self.pitrStatus(harness)?.windowEnd ?? 0) > targetSeconds
        }
        XCTAssertEqual(try harness.aegisctl("stop postgres-backend").status, 0)
        let repo1 = "\(harness.root)/pgbackrest"
        XCTAssertEqual(rename(repo1, "\(repo1).gone"), 0)
        let restore = try harness.aegisctl("restore postgres-backend --to-time '\(target)' --yes")
        XCTAssertEqual(restore.status, 0, restore.output + harness.log.suffix(4000))
        XCTAssertEqual(try notes(harness), ["before"], "rows committed before \(target) are back from the store, later ones are not")
        XCTAssertEqual(rename("\(repo1).gone", repo1), 0)
        try harness.psql(.backend, "INSERT INTO pitr_probe (note) VALUES ('on the new timeline')")
        _ = try await waitArchived(harness)
        XCTAssertEqual(try notes(harness), ["before", "on the new timeline"])
        let code = try await harness.terminate()
        XCTAssertEqual(code, 0)
    }

    /// The store down: the database keeps serving, status says so, archiving catches up once it
    /// is back. Minutes long (pgBackRest's pass that met the store down gives up on it after 2
    /// to more than 5 minutes), so `make chaos` runs it with the other faults, not `make test`.
    func testRepo2StoreDown_theDatabaseKeepsServing_andArchivingCatchesUp() async throws {
        let store = try await SeaweedStore(start: false)
        let harness = try await makeHarness(store)
        try harness.start()
        try await harness.waitUntilAllHealthy(timeout: .seconds(90))
        try await startStore(store, caOf: harness)
        // The store started after the instance: a base backup creates the stanza in repo2 too.
        let backup = try harness.aegisctl("pitr backup postgres-backend --type full")
        XCTAssertEqual(backup.status, 0, backup.output + harness.log.suffix(3000))
        XCTAssertEqual(try repository(harness, 2)?.readable, true)
        try harness.ownerSQL(.backend, "CREATE TABLE pitr_probe (id serial PRIMARY KEY, note text)", granting: ["pitr_probe"])
        try harness.ownerSQL(.backend, "GRANT USAGE ON SEQUENCE pitr_probe_id_seq TO aegis_app")
        try harness.psql(.backend, "INSERT INTO pitr_probe (note) VALUES ('before')")
        _ = try await waitArchived(harness)

        store.stop()
        try harness.psql(.backend, "INSERT INTO pitr_probe (note) VALUES ('while the store is down')")
        let pending = try harness.superuserSQL(.backend, "SELECT pg_walfile_name(pg_switch_wal())")
        try await Poll.until("the archive failure and the unreadable repo2 reported", timeout: .seconds(180), every: .milliseconds(500)) {
            guard let status = try self.pitrStatus(harness) else { return false }
            return (status.failedCount ?? 0) > 0 && (status.archiveLagSeconds ?? 0) > 0
                && status.repositories?.first { $0.repo == 2 }?.readable == false
        }
        try harness.psql(.backend, "INSERT INTO pitr_probe (note) VALUES ('still serving')")
        XCTAssertTrue(try harness.service(.postgresBackend).healthy)
        XCTAssertEqual(try repository(harness, 1)?.readable, true)

        try await store.start()
        // A pass that met the store down first gives up on it (2 to more than 5 minutes measured).
        try await Poll.until("segment \(pending) archived after the store came back", timeout: .seconds(420), every: .milliseconds(500)) {
            try harness.superuserSQL(.backend, "SELECT coalesce(last_archived_wal, '') >= '\(pending)' FROM pg_stat_archiver") == "t"
        }
        XCTAssertTrue(try storeObjects(store, under: "archive/postgres-backend").contains { $0.contains(pending) })
        try await Poll.until("the lag cleared and repo2 readable", timeout: .seconds(60), every: .milliseconds(500)) {
            try self.pitrStatus(harness)?.archiveLagSeconds == 0 && self.repository(harness, 2)?.readable == true
        }
        XCTAssertEqual(try notes(harness), ["before", "while the store is down", "still serving"])
        let code = try await harness.terminate()
        XCTAssertEqual(code, 0)
    }
}
