import AegisCore
import AegisSystem
import AegisTestSupport
import Foundation
import Testing

/// Two aegisd on one machine, each with its own state directory and ports: a primary, and a
/// standby paired with it by a bundle, that copies every instance with pg_basebackup over TLS
/// and follows it (PostgreSQL streaming, Redis `replicaof`). One pair for the whole suite.
@Suite(.serialized) struct ReplicationPairTests {
    @Test func aStandbyPairedByABundleFollowsThePrimary() async throws {
        // The smallest WAL bound, so that the test can outgrow it in a few segments; synchronous
        // commits (a commit waits for the standby: sync_state is checked below).
        let primary = try await DaemonHarness { config in
            config.replication.maxSlotWalKeepSizeMb = 64
            config.replication.synchronous = true
        }
        try primary.start()
        try await primary.waitUntilAllHealthy(timeout: .seconds(120))

        // The bundle: 0600, and never written over an existing file.
        let bundlePath = "\(primary.root)/standby.bundle"
        let made = try primary.aegisctl("replication bundle --out '\(bundlePath)' --host localhost")
        #expect(made.status == 0, "\(made.output)")
        var info = stat()
        #expect(stat(bundlePath, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        let again = try primary.aegisctl("replication bundle --out '\(bundlePath)' --host localhost")
        #expect(again.status != 0)
        #expect(again.output.contains("already exists"), "\(again.output)")
        let unnamed = try primary.aegisctl("replication bundle --out '\(primary.root)/other.bundle' --host db9.invalid")
        #expect(unnamed.status != 0)
        #expect(unnamed.output.contains("extra_names"), "\(unnamed.output)")
        let bundle = try ReplicationBundle.decode(try String(contentsOfFile: bundlePath, encoding: .utf8))

        // `aegisd config init --standby-of`: a standby's file, credentials in 0600 files only.
        let initRoot = try DaemonHarness.makeTemporaryDirectory(prefix: "aegisd-standby-init")
        defer { try? FileManager.default.removeItem(atPath: initRoot) }
        let initialized = try DaemonHarness.run(
            "\(DaemonHarness.aegisd) config init --root '\(initRoot)' --port-base 40000 --standby-of '\(bundlePath)'")
        #expect(initialized.status == 0, "\(initialized.output)")
        let written = try String(contentsOfFile: "\(initRoot)/aegisd.toml", encoding: .utf8)
        #expect(written.contains("role = \"standby\""))
        #expect(written.contains("primary_host = \"localhost\""))
        #expect(!written.contains(bundle.postgresPassword.revealed))
        for file in ["client.key", "postgres.password", "redis.password", "primary-ca.crt"] {
            #expect(stat("\(initRoot)/secrets/replication/\(file)", &info) == 0, "\(file)")
            #expect(info.st_mode & 0o777 == 0o600, "\(file)")
        }

        // The standby: empty data directories, copied from the primary at its first start.
        let standby = try await DaemonHarness(withClusters: false) { config in
            config.replication.role = "standby"
            config.replication.primaryHost = bundle.primaryHost
            config.replication.slotName = "standby_test"
            for service in ServiceID.allCases where service != .loki {
                config.replication.setPrimaryPort(bundle.ports[service.rawValue] ?? 0, of: service)
            }
        }
        try ConfigInitializer.storeCredentials(bundle, in: ReplicationCredentials(config: standby.config), secretsDir: "\(standby.root)/secrets")
        // The apps' passwords are the primary's: apps log in to either host alike.
        #expect(try standby.password(.postgresAI) == primary.password(.postgresAI))
        // What a copy interrupted by a kill of aegisd leaves: a partial data directory and the
        // marker beside it. It is emptied and copied again, never started.
        try FileManager.default.createDirectory(atPath: "\(standby.root)/data/postgres-backend", withIntermediateDirectories: true)
        try "15\n".write(toFile: "\(standby.root)/data/postgres-backend/PG_VERSION", atomically: true, encoding: .utf8)
        try "".write(toFile: "\(standby.root)/data/postgres-backend.copying", atomically: true, encoding: .utf8)
        try standby.start()
        try await standby.waitUntilAllHealthy(timeout: .seconds(180))
        #expect(!FileManager.default.fileExists(atPath: "\(standby.root)/data/postgres-backend.copying"))
        #expect(standby.log.contains("removing the partial copy"))
        #expect(FileManager.default.fileExists(atPath: "\(standby.root)/data/postgres-backend/standby.signal"))

        // The primary admits a replication connection only with the client certificate.
        let port = primary.config.postgres.instances[.backend]!.port
        let credentials = ReplicationCredentials(config: standby.config)
        let password = try String(contentsOfFile: credentials.postgresPassword, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let base = "host=localhost port=\(port) user=aegis_replicator replication=true sslmode=verify-full sslrootcert=\(credentials.caCertificate)"
        let refused = try DaemonHarness.run("psql -X '\(base)' -c IDENTIFY_SYSTEM", environment: ["PGPASSWORD": password])
        #expect(refused.status != 0)
        #expect(refused.output.contains("certificate"), "\(refused.output)")
        let admitted = try DaemonHarness.run(
            "psql -X -A -t '\(base) sslcert=\(credentials.clientCertificate) sslkey=\(standby.root)/conf/postgres-backend/replication/client.key' -c IDENTIFY_SYSTEM",
            environment: ["PGPASSWORD": password])
        #expect(admitted.status == 0, "\(admitted.output)")

        // Rows written on the primary appear on the standby; the standby refuses writes.
        let database = primary.config.postgres.instances[.backend]!.database
        try primary.ownerSQL(.backend, "CREATE TABLE replicated (id int); INSERT INTO replicated VALUES (1), (2)", granting: ["replicated"])
        try await Poll.until("the rows on the standby", timeout: .seconds(60)) {
            (try? standby.superuserSQL(.backend, "SELECT count(*) FROM replicated", database: database)) == "2"
        }
        let write = try DaemonHarness.run(
            "psql -X -v ON_ERROR_STOP=1 '\(standby.superuserURL(.backend, database: database))' -c 'INSERT INTO replicated VALUES (3)'")
        #expect(write.status != 0)
        #expect(write.output.contains("read-only transaction"), "\(write.output)")

        // Redis keys replicate over TLS.
        try primary.redis("SET backend:replicated 42")
        try await Poll.until("the key on the standby's Redis", timeout: .seconds(60)) {
            (try? standby.redis("GET backend:replicated")) == "42"
        }

        // Status: each side's role; the standby's lag, the primary's standby and slot.
        let following = try await standby.waitFor("the standby's lag known") { report in
            report.services.filter { $0.name != "loki" }.allSatisfy { $0.role == "standby" && $0.replicationLagBytes != nil }
        }
        for service in following.services where service.name.hasPrefix("postgres") {
            #expect(service.replication?.streaming == true, "\(service.name)")
            #expect(service.replicationLagSeconds != nil, "\(service.name)")
        }
        let leading = try await primary.waitFor("the primary's standbys") { report in
            report.services.filter { $0.name.hasPrefix("postgres") }.allSatisfy {
                $0.role == "primary" && $0.replication?.standbys?.map(\.name) == ["standby_test"]
            }
        }
        #expect(leading.services.first?.replication?.standbys?.first?.syncState == "sync", "commits wait for the standby")
        let slot = try #require(leading.services.first?.replication?.slots?.first)
        #expect(slot.name == "standby_test" && slot.active && !slot.isLost)
        let table = try standby.aegisctl("status")
        #expect(table.output.contains("postgres-ai standby, streaming, lag"), "\(table.output)")
        // /metrics serves the last collection (at least every 5 s, with replication figures at
        // most 15 s old): wait for one made while streaming.
        var metrics = ""
        try await Poll.until("the standby's lag on /metrics", timeout: .seconds(30), every: .milliseconds(250)) {
            metrics = (try? HTTPProbe.get(port: standby.config.metrics.port, path: "/metrics", timeout: .seconds(10)).body) ?? ""
            return metrics.contains("aegis_replication_lag_bytes{service=\"postgres-ai\"}")
        }
        #expect(metrics.contains("aegis_replication_is_standby{service=\"postgres-backend\"} 1"), "\(metrics.suffix(2000))")
        #expect(metrics.contains("aegis_replication_streaming{service=\"redis\"} 1"))
        var primaryMetrics = ""
        try await Poll.until("the primary's standbys on /metrics", timeout: .seconds(30), every: .milliseconds(250)) {
            primaryMetrics = (try? HTTPProbe.get(port: primary.config.metrics.port, path: "/metrics", timeout: .seconds(10)).body) ?? ""
            return primaryMetrics.contains("aegis_replication_standbys{service=\"postgres-executor\"} 1")
        }
        #expect(primaryMetrics.contains("aegis_replication_slot_lost{service=\"postgres-ai\",slot=\"standby_test\"} 0"))

        // Backups, drills and the databases' maintenance are the primary's: skipped, with why.
        let backup = try standby.aegisctl("backup postgres-backend")
        #expect(backup.status == 1)
        #expect(backup.output.contains("skipped on a standby"), "\(backup.output)")
        #expect(try standby.status().backups?.allSatisfy { $0.skipped != nil && !$0.stale } == true)
        let vacuum = try standby.aegisctl("maintenance run vacuum-postgres-backend")
        #expect(vacuum.status != 0)
        #expect(vacuum.output.contains("skipped on a standby"), "\(vacuum.output)")

        // A standby away for longer than max_slot_wal_keep_size: the primary invalidates its slot
        // (its disk is kept) and says so; the standby comes back without streaming that instance.
        #expect(try await standby.terminate() == 0)
        for _ in 0..<8 {
            // Committed locally: with the standby away a synchronous commit would wait for it.
            try primary.superuserSQL(
                .ai, "SET synchronous_commit = local; CREATE TABLE IF NOT EXISTS wal_filler (id int); INSERT INTO wal_filler VALUES (1); SELECT pg_switch_wal()")
        }
        try primary.superuserSQL(.ai, "CHECKPOINT")
        try await primary.waitFor("postgres-ai's slot lost") { report in
            report.services.first { $0.name == "postgres-ai" }?.replication?.slots?.first?.isLost == true
        }
        try await Poll.until("the lost slot on /metrics", timeout: .seconds(30), every: .milliseconds(250)) {
            let text = (try? HTTPProbe.get(port: primary.config.metrics.port, path: "/metrics", timeout: .seconds(10)).body) ?? ""
            return text.contains("aegis_replication_slot_lost{service=\"postgres-ai\",slot=\"standby_test\"} 1")
        }
        let primaryTable = try primary.aegisctl("status")
        #expect(primaryTable.output.contains("LOST, re-seed the standby"), "\(primaryTable.output)")
        try standby.start()
        try await standby.waitUntilAllHealthy(timeout: .seconds(120))
        try await standby.waitFor("postgres-backend streaming again") { report in
            report.services.first { $0.name == "postgres-backend" }?.replication?.streaming == true
        }
        try await standby.waitFor("postgres-ai not streaming (its slot is gone)") { report in
            report.services.first { $0.name == "postgres-ai" }?.replication?.streaming == false
        }
        // Re-seeded: copied again into a new slot (the lost one dropped), the old copy kept aside.
        let reseed = try standby.aegisctl("replication reseed postgres-ai")
        #expect(reseed.status == 0, "\(reseed.output)")
        try await standby.waitFor("postgres-ai streaming again") { report in
            report.services.first { $0.name == "postgres-ai" }?.replication?.streaming == true
        }
        let kept = try FileManager.default.contentsOfDirectory(atPath: "\(standby.root)/data").filter { $0.hasPrefix("postgres-ai.before-reseed-") }
        #expect(kept.count == 1)
        try await primary.waitFor("postgres-ai's slot kept again") { report in
            report.services.first { $0.name == "postgres-ai" }?.replication?.slots?.first.map { $0.active && !$0.isLost } == true
        }

        // Failover: the primary's aegisd dies with all its children. Promotion is refused while
        // the lag is unknown, then forced: every service accepts writes, and stays a primary
        // across a restart of aegisd.
        let refusedOnPrimary = try primary.aegisctl("promote")
        #expect(refusedOnPrimary.status == 1 && refusedOnPrimary.output.contains("nothing to promote"), "\(refusedOnPrimary.output)")
        try await primary.killDaemon()
        for pid in primary.ourProcesses() where pid != getpid() { kill(pid, SIGKILL) }
        try await standby.waitFor("the standby to notice the primary is gone", timeout: .seconds(60)) { report in
            report.services.filter { $0.name != "loki" }.allSatisfy { $0.replication?.streaming == false }
        }
        let unknown = try standby.aegisctl("promote")
        #expect(unknown.status == 1)
        #expect(unknown.output.contains("unknown") && unknown.output.contains("--force"), "\(unknown.output)")
        // One service first: it is backed up at once while the others stay skipped, and the
        // running configuration is the rewritten file's (a reload finds nothing changed).
        let one = try standby.aegisctl("promote postgres-ai --force")
        #expect(one.status == 0, "\(one.output)")
        let partly = try standby.status().backups ?? []
        #expect(partly.first { $0.service == "postgres-ai" }?.skipped == nil, "\(partly)")
        #expect(partly.first { $0.service == "postgres-backend" }?.skipped != nil, "\(partly)")
        let reload = try standby.aegisctl("reload")
        #expect(reload.status == 0 && reload.output.contains("nothing changed"), "\(reload.output)")
        let promoted = try standby.aegisctl("promote --force --json")
        #expect(promoted.status == 0, "\(promoted.output)")
        let reports = try JSONDecoder().decode([PromotionReport].self, from: Data(promoted.output.utf8))
        #expect(reports.map(\.service) == ["postgres-backend", "postgres-executor", "redis"])
        #expect(try standby.status().backups?.allSatisfy { $0.skipped == nil } == true)
        #expect(reports.filter { $0.service.hasPrefix("postgres") }.allSatisfy { ($0.timeline ?? 0) >= 2 }, "\(reports)")
        try standby.superuserSQL(.backend, "INSERT INTO replicated VALUES (3)", database: database)
        try standby.redis("SET backend:after-failover 1")
        #expect(try standby.psql(.backend, "SELECT count(*) FROM replicated") == "3", "the app logs in with its password from before")
        let rewritten = try String(contentsOfFile: standby.configPath, encoding: .utf8)
        #expect(rewritten.contains("role = \"primary\""))
        #expect(try await standby.terminate() == 0)
        try standby.start()
        try await standby.waitUntilAllHealthy(timeout: .seconds(120))
        #expect(!FileManager.default.fileExists(atPath: "\(standby.root)/data/postgres-backend/standby.signal"))
        #expect(try standby.superuserSQL(.backend, "SELECT count(*) FROM replicated", database: database) == "3")
        #expect(try standby.status().services.filter { $0.name != "loki" }.allSatisfy { $0.role == "primary" })
        #expect(try await standby.terminate() == 0)
    }
}
