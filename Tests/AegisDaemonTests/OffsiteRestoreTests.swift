import AegisCore
import AegisSystem
import Foundation
import Glibc
import Testing
import AegisTestSupport

/// Disaster recovery from the off-host store alone: host A backs up to the store and is lost
/// (its whole state directory deleted); host B, with only the configuration, the rclone
/// configuration and the identity from the operator's safe, restores every service from it.
@Suite(.serialized) struct OffsiteRestoreTests {
    @Test func testHostBRestoresEveryServiceFromTheStore_andRefusesATamperedObject() async throws {
        let store = try await SeaweedStore.shared.store()
        let (hostA, key, remote, config) = try await OffsiteTests.daemon(store: store)
        try hostA.start()
        try await hostA.waitUntilAllHealthy()
        try hostA.ownerSQL(.backend, "CREATE TABLE people (id int PRIMARY KEY, name text); INSERT INTO people SELECT g, 'p' || g FROM generate_series(1, 700) g", granting: ["people"])
        try hostA.ownerSQL(.ai, "CREATE TABLE predictions (id int, score float8); INSERT INTO predictions SELECT g, g / 3.0 FROM generate_series(1, 300) g")
        try hostA.ownerSQL(.executor, "CREATE TABLE runs (id int); INSERT INTO runs SELECT generate_series(1, 42)")
        try hostA.redis("SET dr:probe survived")
        let backedUp = try hostA.aegisctl("backup --json")
        #expect(backedUp.status == 0, "\(backedUp.output)")
        let services = ["postgres-backend", "postgres-ai", "postgres-executor", "redis"]
        try await hostA.waitFor("every backup copied off the host", timeout: .seconds(120)) { status in
            services.allSatisfy { service in
                status.backups?.first { $0.service == service }?.offsite.map { $0.pending == 0 && $0.lastSuccessFile != nil } ?? false
            }
        }
        let recipients = hostA.config.backup.recipients
        // The operator's safe: the identity and the rclone configuration, outside A's state.
        let safe = try DaemonHarness.makeTemporaryDirectory(prefix: "aegisd-test-safe")
        defer { try? FileManager.default.removeItem(atPath: safe) }
        try DaemonHarness.shell("cp '\(key)' '\(config)' '\(safe)/'")
        let safeKey = "\(safe)/operator.agekey"
        #expect(try await hostA.terminate() == 0)
        try FileManager.default.removeItem(atPath: hostA.root)
        #expect(!FileManager.default.fileExists(atPath: hostA.root))

        let hostB = try await DaemonHarness { config in
            config.backup.recipients = recipients
            config.offsite.remote = remote
            config.offsite.rcloneConfig = "\(config.daemon.stateDir)/rclone.conf"
        }
        try DaemonHarness.shell("cp '\(safe)/rclone.conf' '\(hostB.root)/rclone.conf' && chmod 600 '\(hostB.root)/rclone.conf'")
        try hostB.start()
        try await hostB.waitUntilAllHealthy()

        let listed = try hostB.aegisctl("backups list postgres-backend --remote --json")
        #expect(listed.status == 0, "\(listed.output)")
        let reports = try JSONDecoder().decode([BackupReport].self, from: Data(listed.output.utf8))
        #expect(reports.count == 1 && reports[0].path.hasPrefix(remote + "/backend_") && reports[0].offsite?.remote == remote, "\(reports)")
        #expect(try hostB.aegisctl("backups list postgres-backend --remote").output.contains(reports[0].name))

        for service in services {
            let restored = try hostB.aegisctl("restore \(service) latest --remote --yes --identity '\(safeKey)'")
            #expect(restored.status == 0, "\(service): \(restored.output)")
        }
        // Nothing was copied into B's backup directory on the way.
        let local = (try? FileManager.default.subpathsOfDirectory(atPath: "\(hostB.root)/backups")) ?? []
        #expect(!local.contains { $0.hasSuffix(".age") }, "\(local)")
        #expect(try hostB.psql(.backend, "SELECT count(*) FROM people") == "700")
        #expect(try hostB.superuserSQL(.ai, "SELECT count(*) FROM predictions", database: hostB.config.postgres.instances[.ai]!.database) == "300")
        #expect(try hostB.superuserSQL(.executor, "SELECT sum(id) FROM runs", database: hostB.config.postgres.instances[.executor]!.database) == "903")
        try await Poll.until("redis to answer after its restore", timeout: .seconds(30)) {
            (try? hostB.redis("GET dr:probe")) == "survived"
        }

        // A drill on this host, whose result is written beside the backup in the store.
        let drilled = try hostB.aegisctl("verify postgres-ai latest --remote --identity '\(safeKey)'")
        #expect(drilled.status == 0, "\(drilled.output)")
        let aiName = try #require(try JSONDecoder().decode(
            [BackupReport].self, from: Data(try hostB.aegisctl("backups list postgres-ai --remote --json").output.utf8)).first?.name)
        let stem = String(aiName.prefix { $0 != "." })
        let verdict = try SeaweedStore.rclone(["cat", "\(remote)/\(stem).verified.json"], config: "\(safe)/rclone.conf")
        #expect(verdict.contains("\"verified_at\"") && !verdict.contains("\"verify_error\""), "\(verdict)")
        // Writing the verdict left the run directory as it was: the service account still
        // reaches the PostgreSQL sockets in it (a restore's psql runs as that account).
        var run = stat()
        #expect(stat("\(hostB.root)/run", &run) == 0 && run.st_mode & 0o777 == 0o755)

        // A tampered object in the store is refused before anything changes.
        let object = "\(remote)/\(reports[0].name)"
        let tampered = "\(safe)/tampered"
        try DaemonHarness.shell(
            "env -i PATH=/usr/bin:/bin HOME=/nonexistent rclone --config '\(safe)/rclone.conf' cat '\(object)' > '\(tampered)'")
        // One byte inverted, so it changes whatever it was (a fixed 'X' left one byte in 256
        // as it was, and the object then untampered).
        var bytes = try Data(contentsOf: URL(fileURLWithPath: tampered))
        try #require(bytes.count > 4000, "the backup is only \(bytes.count) bytes")
        bytes[4000] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: tampered))
        try SeaweedStore.rclone(["copyto", tampered, object], config: "\(safe)/rclone.conf")
        _ = try hostB.psql(.backend, "INSERT INTO people VALUES (701, 'after the restore')")
        let databasesBefore = try hostB.superuserSQL(.backend, "SELECT count(*) FROM pg_database")
        let refused = try hostB.aegisctl("restore postgres-backend latest --remote --yes --identity '\(safeKey)'")
        #expect(refused.status == 1)
        #expect(refused.output.contains("does not match its manifest"), "\(refused.output)")
        #expect(try hostB.psql(.backend, "SELECT count(*) FROM people") == "701")
        #expect(try hostB.superuserSQL(.backend, "SELECT count(*) FROM pg_database") == databasesBefore)
        #expect(try await hostB.terminate() == 0)
    }

    /// The production host never holds the identity; a verifier host that does drills the
    /// copies in the store, and the production host shows when that last passed.
    @Test func testAVerifierHostsDrill_isShownByTheProductionHost() async throws {
        let store = try await SeaweedStore.shared.store()
        let (production, key, remote, config) = try await OffsiteTests.daemon(store: store)
        try production.start()
        try await production.waitUntilAllHealthy()
        try production.ownerSQL(.ai, "CREATE TABLE scores (id int); INSERT INTO scores SELECT generate_series(1, 77)")
        let first = try OffsiteTests.backup(production, "postgres-ai")
        try await Poll.until("the upload of \(first.name)", timeout: .seconds(60)) {
            try BackupTests.manifest(of: first).offsite != nil
        }
        #expect(try OffsiteTests.offsite(production, "postgres-ai")?.lastVerifiedAt == nil)

        let verifier = try await DaemonHarness { config in
            config.backup.recipients = production.config.backup.recipients
            config.offsite.remote = remote
            config.offsite.rcloneConfig = "\(config.daemon.stateDir)/rclone.conf"
            // As the runbook sets a verifier host up: drills on a schedule, no backups of its own.
            config.offsite.verifySchedule = "30 5 * * *"
            config.backup.enabled = false
        }
        try DaemonHarness.shell("cp '\(config)' '\(verifier.root)/rclone.conf' && chmod 600 '\(verifier.root)/rclone.conf'")
        try verifier.start()
        try await verifier.waitUntilAllHealthy()
        #expect(verifier.log.contains("schedule: offsite-verify: 30 5 * * *"), "the drill job is on the verifier's scheduler")
        let drilled = try verifier.aegisctl("verify postgres-ai latest --remote --identity '\(key)'")
        #expect(drilled.status == 0, "\(drilled.output)")
        #expect(try await verifier.terminate() == 0)

        // The production host reads the results after its next upload (and every 15 min).
        _ = try OffsiteTests.backup(production, "postgres-ai")
        try await Poll.until("the production host to show the drill", timeout: .seconds(60)) {
            try OffsiteTests.offsite(production, "postgres-ai")?.lastVerifiedAt != nil
        }
        #expect(try production.aegisctl("status").output.contains("drill passed elsewhere"))
        #expect(!FileManager.default.fileExists(atPath: "\(production.root)/secrets/backup.agekey"))
        #expect(try await production.terminate() == 0)
    }
}
