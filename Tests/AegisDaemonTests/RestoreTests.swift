import AegisCore
import AegisSystem
import Foundation
import Testing
import AegisTestSupport

/// Restores and restore drills against real PostgreSQL and Redis, with keys made by the real
/// `age-keygen` and files encrypted by the real `age`.
@Suite(.serialized) struct RestoreTests {
    /// A running daemon whose backups are encrypted to a fresh key pair made by `age-keygen`.
    /// The identity is kept outside the daemon's secrets, as an operator would (in the test's
    /// root, so it goes with it).
    static func daemonWithKey() async throws -> (DaemonHarness, key: String) {
        let keyDirectory = try DaemonHarness.makeTemporaryDirectory(prefix: "aegisd-test-agekey")
        defer { try? FileManager.default.removeItem(atPath: keyDirectory) }
        try DaemonHarness.shell("age-keygen -o '\(keyDirectory)/backup.agekey' 2>/dev/null")
        let recipient = try DaemonHarness.shell("age-keygen -y '\(keyDirectory)/backup.agekey'")
        let daemon = try await DaemonHarness { $0.backup.recipients = [recipient] }
        let key = "\(daemon.root)/operator.agekey"
        try FileManager.default.moveItem(atPath: "\(keyDirectory)/backup.agekey", toPath: key)
        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        return (daemon, key)
    }

    @Test func testRestore_bringsBackDeletedRows_andKeepsThePreviousDatabase() async throws {
        let (daemon, key) = try await Self.daemonWithKey()
        try daemon.ownerSQL(.backend, "CREATE TABLE people (id int PRIMARY KEY, name text); INSERT INTO people SELECT g, 'u' || g FROM generate_series(1, 1000) g", granting: ["people"])
        #expect(try daemon.aegisctl("backup postgres-backend").status == 0)
        _ = try daemon.psql(.backend, "DELETE FROM people WHERE id > 10")

        // Without --yes and without a terminal nothing happens.
        let refused = try daemon.aegisctl("restore postgres-backend latest --identity '\(key)' < /dev/null")
        #expect(refused.status == 2, "\(refused.output)")

        let result = try daemon.aegisctl("restore postgres-backend latest --yes --identity '\(key)'")
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("_pre_restore_"))
        // The application role sees its rows again, through its usual connection.
        #expect(try daemon.psql(.backend, "SELECT count(*) FROM people") == "1000")
        let kept = try daemon.superuserSQL(.backend, "SELECT datname FROM pg_database WHERE datname LIKE 'aegis_backend_pre_restore_%'")
        #expect(!kept.isEmpty)
        #expect(try daemon.superuserSQL(.backend, "SELECT count(*) FROM people", database: kept) == "10")
        #expect(try await daemon.terminate() == 0)
    }

    @Test(arguments: ["flip", "truncate"])
    func testADamagedBackup_isRefused_andTheLiveDatabaseKeepsItsRows(damage: String) async throws {
        let (daemon, key) = try await Self.daemonWithKey()
        try daemon.ownerSQL(.ai, "CREATE TABLE models (id int); INSERT INTO models SELECT generate_series(1, 300000)", granting: ["models"])
        let backup = try daemon.aegisctl("backup postgres-ai --json")
        let report = try #require(try JSONDecoder().decode([BackupReport].self, from: Data(backup.output.utf8)).first)
        _ = try daemon.psql(.ai, "DELETE FROM models WHERE id > 5")
        if damage == "flip" {
            try ByteFlip.flip(report.path, at: Int(report.size / 2))
        } else {
            try DaemonHarness.shell("truncate -s \(report.size - 100) '\(report.path)'")
        }
        let result = try daemon.aegisctl("restore postgres-ai \(report.name) --yes --identity '\(key)'")
        #expect(result.status == 1)
        #expect(result.output.contains(report.name) || result.output.contains("SHA-256") || result.output.contains("chunk"), "\(result.output)")
        #expect(try daemon.psql(.ai, "SELECT count(*) FROM models") == "5")
        #expect(try daemon.superuserSQL(.ai, "SELECT count(*) FROM pg_database WHERE datname LIKE '%restore%'") == "0")
        #expect(try await daemon.terminate() == 0)
    }

    @Test func testAFileEncryptedByTheAgeCLI_isRestored() async throws {
        let (daemon, key) = try await Self.daemonWithKey()
        try daemon.ownerSQL(.executor, "CREATE TABLE actions (id int, verb text); INSERT INTO actions VALUES (1, 'scale'), (2, 'drain')", granting: ["actions"])
        let recipient = try DaemonHarness.shell("age-keygen -y '\(key)'")
        // Made by hand, the way the docker-compose deployment's shell scripts did: pg_dump | gzip | age -r.
        let folder = "\(daemon.root)/backups/postgres-executor"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let name = "executor_20260101_000000.sql.gz.age"
        try DaemonHarness.shell(
            "pg_dump '\(daemon.superuserURL(.executor, database: "aegis_executor"))' | gzip | age -r \(recipient) > '\(folder)/\(name)'")
        _ = try daemon.psql(.executor, "DELETE FROM actions")

        let result = try daemon.aegisctl("restore postgres-executor \(name) --yes --identity '\(key)'")
        #expect(result.status == 0, "\(result.output)")
        #expect(try daemon.psql(.executor, "SELECT string_agg(verb, ',' ORDER BY id) FROM actions") == "scale,drain")
        #expect(try await daemon.terminate() == 0)
    }

    @Test func testRedisRestore_bringsBackTheKeys_withAOFStillOn() async throws {
        let (daemon, key) = try await Self.daemonWithKey()
        try daemon.redis("SET backend:session:7 bob")
        try daemon.redis("SET ai:cache:1 hot")
        #expect(try daemon.aegisctl("backup redis").status == 0)
        try daemon.redis("DEL backend:session:7")
        try daemon.redis("SET executor:lock:1 held")

        let result = try daemon.aegisctl("restore redis latest --yes --identity '\(key)'")
        #expect(result.status == 0, "\(result.output)")
        #expect(try daemon.redis("GET backend:session:7") == "bob")
        #expect(try daemon.redis("EXISTS executor:lock:1") == "0")
        #expect(try daemon.redis("CONFIG GET appendonly").hasSuffix("yes"))
        // Redis wrote a new AOF from the restored data; the old one is kept aside.
        let files = try FileManager.default.contentsOfDirectory(atPath: "\(daemon.root)/data/redis")
        #expect(files.contains("appendonlydir"))
        #expect(files.contains { $0.hasPrefix("appendonlydir.pre_restore_") })
        // A restart (AOF replay, not the RDB) still has the restored data.
        #expect(try daemon.aegisctl("restart redis").status == 0)
        #expect(try daemon.redis("GET backend:session:7") == "bob")
        #expect(try await daemon.terminate() == 0)
    }

    @Test func testVerify_recordsVerifiedAt_andADrillOfADamagedFileFails() async throws {
        let (daemon, key) = try await Self.daemonWithKey()
        try daemon.ownerSQL(.backend, "CREATE TABLE audit (id int); INSERT INTO audit SELECT generate_series(1, 777)")
        #expect(try daemon.aegisctl("backup postgres-backend").status == 0)
        #expect(try daemon.aegisctl("backup redis").status == 0)

        let drill = try daemon.aegisctl("verify postgres-backend latest --identity '\(key)'")
        #expect(drill.status == 0, "\(drill.output)")
        let redisDrill = try daemon.aegisctl("verify redis latest --identity '\(key)'")
        #expect(redisDrill.status == 0, "\(redisDrill.output)")
        let listed = try JSONDecoder().decode(
            [BackupReport].self, from: Data(try daemon.aegisctl("backups list postgres-backend --json").output.utf8))
        #expect(listed.count == 1 && listed[0].verifiedAt != nil)
        // No scratch database is left behind.
        #expect(try daemon.superuserSQL(.backend, "SELECT count(*) FROM pg_database WHERE datname LIKE '%verify%'") == "0")

        try DaemonHarness.shell("truncate -s 200 '\(listed[0].path)'")
        let failed = try daemon.aegisctl("verify postgres-backend latest --identity '\(key)'")
        #expect(failed.status == 1, "\(failed.output)")
        // The failure is in status, after the earlier pass, with its reason.
        let backend = try #require(try daemon.status().backups?.first { $0.service == "postgres-backend" })
        #expect(backend.drillFailedLast && backend.lastDrillError?.isEmpty == false, "\(backend) after \(failed.output)")
        #expect(try daemon.aegisctl("status").output.contains("last restore drill failed"))
        #expect(try await daemon.terminate() == 0)
    }
}
