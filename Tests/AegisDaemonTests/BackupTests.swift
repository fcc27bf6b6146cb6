import AegisCore
import AegisSystem
import Foundation
import Glibc
import Testing
import AegisTestSupport

/// Backups against real PostgreSQL and Redis, read back with standard tools only (`gunzip`,
/// `psql`, `redis-server`), so a backup is proven restorable without aegisd.
@Suite(.serialized) struct BackupTests {
    @Test func testWithoutAKey_theBackupFailsClosed_andNoFileIsWritten() async throws {
        let daemon = try await DaemonHarness()  // config init's defaults minus the generated key
        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        let result = try daemon.aegisctl("backup postgres-backend")
        #expect(result.status == 1)
        #expect(result.output.contains("backup.recipients"), "\(result.output)")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: "\(daemon.root)/backups/postgres-backend")) ?? []
        #expect(!files.contains { $0.hasSuffix(".gz") || $0.hasSuffix(".age") || $0.hasSuffix(".partial") })
        #expect(try await daemon.terminate() == 0)
    }

    /// The issue's own check: `age -d -i KEY FILE | gunzip | psql` rebuilds the database.
    @Test func testEncryptedBackup_rebuildsTheDatabaseWithAgeGunzipAndPsql() async throws {
        let (daemon, key) = try await RestoreTests.daemonWithKey()
        let recipient = try DaemonHarness.shell("age-keygen -y '\(key)'")
        try daemon.ownerSQL(.ai, "CREATE TABLE predictions (id bigint PRIMARY KEY, score float8); INSERT INTO predictions SELECT g, g / 7.0 FROM generate_series(1, 20000) g")

        let result = try daemon.aegisctl("backup postgres-ai --json")
        #expect(result.status == 0, "\(result.output)")
        let report = try #require(try JSONDecoder().decode([BackupReport].self, from: Data(result.output.utf8)).first)
        #expect(report.name.hasPrefix("ai_") && report.name.hasSuffix(".sql.gz.age"))
        #expect(try DaemonHarness.shell("head -c 21 '\(report.path)'") == "age-encryption.org/v1")
        let manifest = try BackupTests.manifest(of: report)
        #expect(manifest.encryption == "x25519" && manifest.recipients == [recipient])
        #expect(manifest.rowCounts["public.predictions"] == 20000)

        try daemon.superuserSQL(.ai, "CREATE DATABASE rebuilt OWNER aegis_ai_user")
        try DaemonHarness.shell(
            "age -d -i '\(key)' '\(report.path)' | gunzip | psql -X -q -v ON_ERROR_STOP=1 '\(daemon.superuserURL(.ai, database: "rebuilt"))'")
        #expect(try daemon.superuserSQL(.ai, "SELECT count(*), sum(id) FROM predictions", database: "rebuilt") == "20000|200010000")
        #expect(try await daemon.terminate() == 0)
    }

    @Test func testUnencryptedBackup_whenChosen_rebuildsTheDatabaseWithGunzipAndPsql() async throws {
        let daemon = try await DaemonHarness { $0.backup.encryption = "none" }
        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        try daemon.ownerSQL(.backend, "CREATE TABLE policy_probe (id int PRIMARY KEY, name text); INSERT INTO policy_probe SELECT g, 'p' || g FROM generate_series(1, 5000) g")

        let result = try daemon.aegisctl("backup postgres-backend --json")
        #expect(result.status == 0, "\(result.output)")
        let reports = try JSONDecoder().decode([BackupReport].self, from: Data(result.output.utf8))
        let report = try #require(reports.first)
        #expect(report.name.hasPrefix("backend_") && report.name.hasSuffix(".sql.gz"))
        let manifest = try BackupTests.manifest(of: report)
        #expect(manifest.status == .complete)
        #expect(manifest.rowCounts["public.policy_probe"] == 5000)
        #expect(manifest.sha256 == (try DaemonHarness.shell("sha256sum '\(report.path)' | cut -d' ' -f1")))

        // Rebuild into a fresh database of the same instance with nothing but gunzip and psql.
        try daemon.superuserSQL(.backend, "CREATE DATABASE rebuilt OWNER aegis_backend_user")
        try DaemonHarness.shell(
            "gunzip -c '\(report.path)' | psql -X -q -v ON_ERROR_STOP=1 '\(daemon.superuserURL(.backend, database: "rebuilt"))'")
        #expect(try daemon.superuserSQL(.backend, "SELECT count(*) FROM policy_probe", database: "rebuilt") == "5000")
        #expect(try await daemon.terminate() == 0)
    }

    /// The manifest's counts come from the dump stream; they must be every table's rows,
    /// whatever its name or contents, and back-to-back backups must not collide.
    @Test func testManifestRowCounts_areEveryTablesRows_andBackToBackBackupsGetTheirOwnNames() async throws {
        let daemon = try await DaemonHarness { $0.backup.encryption = "none" }
        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        // Quoted names, a keyword as a name, an empty table, values with a newline and a
        // backslash, and a function body holding a line that looks like a COPY.
        let script = "\(daemon.root)/odd-tables.sql"
        try #"""
            CREATE SCHEMA "Ops Team";
            CREATE TABLE "Ops Team"."Run ""Log""" (id int, note text);
            INSERT INTO "Ops Team"."Run ""Log""" SELECT g, E'line one\nline two\\.' FROM generate_series(1, 1234) g;
            CREATE TABLE public."user" (id int);
            CREATE TABLE public.empty (id int);
            INSERT INTO public."user" SELECT generate_series(1, 3);
            CREATE FUNCTION public.decoy() RETURNS text LANGUAGE sql AS $f$
            SELECT '
            COPY public.decoy (a) FROM stdin;
            '
            $f$;
            """#.write(toFile: script, atomically: true, encoding: .utf8)
        let database = daemon.config.postgres.instances[.executor]!.database
        try DaemonHarness.shell(
            "psql -X -q -v ON_ERROR_STOP=1 '\(daemon.superuserURL(.executor, database: database))' -f '\(script)'")

        // Three in a row: small dumps take well under a second, so at least two share a second.
        var names: [String] = []
        for _ in 0..<3 {
            let result = try daemon.aegisctl("backup postgres-executor --json")
            #expect(result.status == 0, "\(result.output)")
            let report = try #require(try JSONDecoder().decode([BackupReport].self, from: Data(result.output.utf8)).first)
            names.append(report.name)
            let manifest = try BackupTests.manifest(of: report)
            let odd = ["Ops Team.Run \"Log\"", "public.user", "public.empty"]
            #expect(odd.map { manifest.rowCounts[$0] } == [1234, 3, 0], "\(manifest.rowCounts)")
            // The schema's own tables are counted too (empty but for the migration record).
            #expect(manifest.rowCounts["public.action_audit_logs"] == 0, "\(manifest.rowCounts)")
            #expect(manifest.rowCounts["public.aegis_schema_migrations"].map { $0 >= 1 } == true, "\(manifest.rowCounts)")
            #expect(manifest.serverVersion.hasPrefix("15."), "\(manifest.serverVersion)")
        }
        #expect(Set(names).count == 3, "\(names)")
        #expect(try await daemon.terminate() == 0)
    }

    @Test func testRedisBackup_isTheRealSnapshot_loadableByRedisServer() async throws {
        let daemon = try await DaemonHarness { $0.backup.encryption = "none" }
        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        try daemon.redis("SET backend:session:1 alice")
        try daemon.redis("SET ai:model v7")

        let result = try daemon.aegisctl("backup redis --json")
        #expect(result.status == 0, "\(result.output)")
        let report = try #require(try JSONDecoder().decode([BackupReport].self, from: Data(result.output.utf8)).first)
        #expect(report.name.hasPrefix("redis_") && report.name.hasSuffix(".rdb.gz"))
        #expect(try BackupTests.manifest(of: report).rowCounts["db0"] == 2)

        // A scratch redis-server loads the snapshot as its dataset.
        let scratch = "\(daemon.root)/scratch-redis"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        try DaemonHarness.shell("gunzip -c '\(report.path)' > '\(scratch)/dump.rdb'")
        let scratchServer = Process()
        scratchServer.executableURL = URL(fileURLWithPath: "/usr/bin/redis-server")
        scratchServer.arguments = ["--port", "0", "--unixsocket", "\(scratch)/r.sock", "--dir", scratch, "--save", ""]
        scratchServer.standardOutput = FileHandle.nullDevice
        try scratchServer.run()
        defer { scratchServer.terminate() }
        try await Poll.until("the scratch redis") {
            (try? DaemonHarness.shell("redis-cli -s '\(scratch)/r.sock' PING")) == "PONG"
        }
        #expect(try DaemonHarness.shell("redis-cli -s '\(scratch)/r.sock' GET backend:session:1") == "alice")
        #expect(try await daemon.terminate() == 0)
    }

    @Test func testPgDumpFailing_putsItsMessageInTheError_andLeavesNoArtifact() async throws {
        let daemon = try await DaemonHarness {
            $0.backup.encryption = "none"
            $0.backup.lockWaitTimeoutS = 1
        }
        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        try daemon.ownerSQL(.ai, "CREATE TABLE predictions (id int)")
        // A migration holding an exclusive lock longer than the backup may wait.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/bin/sh")
        holder.arguments = ["-c", "exec psql -X '\(daemon.superuserURL(.ai, database: "aegis_ai"))' -c 'BEGIN; LOCK TABLE predictions IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(4)' >/dev/null 2>&1"]
        try holder.run()
        defer { holder.terminate() }
        try await Poll.until("the exclusive lock on predictions held") {
            (try? daemon.superuserSQL(.ai, "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                + "WHERE c.relname = 'predictions' AND l.mode = 'AccessExclusiveLock' AND l.granted", database: "aegis_ai"))?
                .trimmingCharacters(in: .whitespacesAndNewlines) == "1"
        }

        let result = try daemon.aegisctl("backup postgres-ai")
        #expect(result.status == 1)
        #expect(result.output.contains("pg_dump"), "\(result.output)")
        #expect(result.output.contains("LOCK TABLE public.predictions"), "\(result.output)")
        let files = try FileManager.default.contentsOfDirectory(atPath: "\(daemon.root)/backups/postgres-ai")
        #expect(files.allSatisfy { $0.hasSuffix(".manifest.json") }, "\(files)")
        let listed = try daemon.aegisctl("backups list postgres-ai --json")
        let reports = try JSONDecoder().decode([BackupReport].self, from: Data(listed.output.utf8))
        #expect(reports.map(\.status) == ["failed"])
        holder.terminate()
        #expect(try await daemon.terminate() == 0)
    }

    @Test func testAegisdKilledDuringABackup_theNextStartRemovesTheTemporaryFile() async throws {
        let daemon = try await DaemonHarness { $0.backup.encryption = "none" }
        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        // Enough rows that the dump takes a while.
        try daemon.ownerSQL(.executor, "CREATE TABLE actions AS SELECT g AS id, md5(g::text) AS digest FROM generate_series(1, 3000000) g")
        let backup = Process()
        backup.executableURL = URL(fileURLWithPath: DaemonHarness.aegisctl)
        backup.arguments = ["--socket", daemon.config.daemon.socket, "backup", "postgres-executor"]
        backup.standardOutput = FileHandle.nullDevice
        backup.standardError = FileHandle.nullDevice
        try backup.run()
        let folder = "\(daemon.root)/backups/postgres-executor"
        try await Poll.until("a temporary backup file", timeout: .seconds(30)) {
            ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).contains { $0.hasSuffix(".partial") }
        }
        try await daemon.killDaemon()
        backup.waitUntilExit()

        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        let left = try FileManager.default.contentsOfDirectory(atPath: folder)
        #expect(left.isEmpty, "\(left)")
        let listed = try daemon.aegisctl("backups list postgres-executor --json")
        #expect(try JSONDecoder().decode([BackupReport].self, from: Data(listed.output.utf8)).isEmpty)
        #expect(try await daemon.terminate() == 0)
    }

    @Test func testFollow_showsProgressWhileTheBackupRuns() async throws {
        let daemon = try await DaemonHarness { $0.backup.encryption = "none" }
        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        try daemon.ownerSQL(.executor, "CREATE TABLE actions AS SELECT g AS id, md5(g::text) AS digest FROM generate_series(1, 2000000) g")
        let result = try daemon.aegisctl("backup postgres-executor --follow")
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("postgres-executor backup, dumping: "), "\(result.output)")
        #expect(result.output.contains("/s, "), "\(result.output)")
        #expect(try await daemon.terminate() == 0)
    }

    /// A real full file system under backup.directory: a 3 MiB tmpfs (needs root, as `make test`).
    @Test func testDiskFull_isAClearError_noPartialFile_olderBackupsUntouched() async throws {
        let mountPoint = try DaemonHarness.makeTemporaryDirectory(prefix: "aegis-fullbackups")
        guard mount("tmpfs", mountPoint, "tmpfs", 0, "size=3m,mode=0755") == 0 else {
            Issue.record("cannot mount a tmpfs (errno \(errno)); run the tests as root (make test)")
            return
        }
        defer {
            umount(mountPoint)
            try? FileManager.default.removeItem(atPath: mountPoint)
        }
        let daemon = try await DaemonHarness {
            $0.backup.encryption = "none"
            $0.backup.directory = mountPoint
        }
        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        try daemon.redis("SET backend:k v")
        #expect(try daemon.aegisctl("backup redis").status == 0)
        // Random text barely compresses: far more than 3 MiB of gzip.
        try daemon.ownerSQL(.backend, "CREATE TABLE blobs AS SELECT r.n, (SELECT string_agg(md5(random()::text || r.n || s.i), '') FROM generate_series(1, 40) AS s(i)) AS data FROM generate_series(1, 20000) AS r(n)")

        let result = try daemon.aegisctl("backup postgres-backend")
        #expect(result.status == 1)
        #expect(result.output.contains("disk is full"), "\(result.output)")
        let files = try FileManager.default.contentsOfDirectory(atPath: "\(mountPoint)/postgres-backend")
        #expect(files.allSatisfy { $0.hasSuffix(".manifest.json") }, "\(files)")
        let redis = try JSONDecoder().decode([BackupReport].self, from: Data(try daemon.aegisctl("backups list redis --json").output.utf8))
        #expect(redis.map(\.status) == ["complete"])
        #expect(try DaemonHarness.shell("gunzip -t '\(redis[0].path)' && echo intact") == "intact")
        #expect(try await daemon.terminate() == 0)
    }

    /// Retention runs after a successful backup: old backups past retention_days go, the newest
    /// keep_at_least stay.
    @Test func testRetention_removesExpiredBackups_afterASuccessfulOne() async throws {
        let daemon = try await DaemonHarness {
            $0.backup.encryption = "none"
            $0.backup.retentionDays = 30
            $0.backup.keepAtLeast = 2
        }
        // Three old backups (40, 35 and 5 days ago), made by hand as an operator's copies would be.
        let folder = "\(daemon.root)/backups/redis"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let catalog = BackupCatalog(directory: "\(daemon.root)/backups")
        for days in [40, 35, 5] {
            let created = UTCTimestamp.now.adding(seconds: -Int64(days) * 86_400)
            let name = BackupName(service: .redis, createdAt: created, encrypted: false)
            try DaemonHarness.shell("echo old | gzip > '\(folder)/\(name.fileName)'")
            try catalog.writeManifest(
                BackupManifest(service: .redis, file: name.fileName, database: nil, status: .complete,
                               startedAt: created, finishedAt: created, encryption: "none"), of: name)
        }
        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        #expect(try daemon.aegisctl("backup redis").status == 0)
        let ages = try JSONDecoder().decode([BackupReport].self, from: Data(try daemon.aegisctl("backups list redis --json").output.utf8))
            .map { (UTCTimestamp.now.secondsSinceEpoch - $0.createdAt.secondsSinceEpoch) / 86_400 }
        // 40 and 35 days are past retention; 5 days and today are kept.
        #expect(ages == [5, 0])
        #expect(try await daemon.terminate() == 0)
    }

    static func manifest(of report: BackupReport) throws -> BackupManifest {
        let path = report.path.replacingOccurrences(of: #"\.(sql|rdb)\.gz(\.age)?$"#, with: ".manifest.json", options: .regularExpression)
        return try JSONDecoder().decode(BackupManifest.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }
}

/// The schedule inside the daemon: a run missed while aegisd was down is caught up once at the
/// next start, and status reports each service's backups.
@Suite(.serialized) struct BackupScheduleTests {
    @Test func testAMissedRun_isCaughtUpAtStart_andStatusShowsTheBackups() async throws {
        let daemon = try await DaemonHarness {
            $0.backup.encryption = "none"
            $0.backup.schedule = "0 * * * *"
        }
        // History: the last attempt was two hours ago, so the last full hour's run was missed.
        let folder = "\(daemon.root)/backups/redis"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let then = UTCTimestamp.now.adding(seconds: -7200)
        let old = BackupManifest(
            service: .redis, file: BackupName(service: .redis, createdAt: then, encrypted: false).fileName, database: nil,
            status: .failed, error: "disk full", startedAt: then, finishedAt: then, encryption: "none")
        try BackupCatalog(directory: "\(daemon.root)/backups").writeManifest(
            old, of: BackupName(service: .redis, createdAt: then, encrypted: false))

        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        let report = try await daemon.waitFor("a caught-up backup of every service", timeout: .seconds(60)) { report in
            (report.backups ?? []).count == 4 && (report.backups ?? []).allSatisfy { $0.lastSuccessAt != nil }
        }
        #expect((report.backups ?? []).allSatisfy { !$0.stale && $0.warning == nil })
        #expect(daemon.log.contains("schedule: backup: 0 * * * *"))
        // Exactly one catch-up run, not one per missed hour.
        let listed = try JSONDecoder().decode(
            [BackupReport].self, from: Data(try daemon.aegisctl("backups list --json").output.utf8))
        #expect(listed.filter { $0.status == "complete" }.count == 4)
        #expect(try daemon.aegisctl("status").output.contains("LAST SUCCESS"))
        #expect(try await daemon.terminate() == 0)
    }

    @Test func testAFailedBackup_isAWarningInStatus_withItsReason() async throws {
        let daemon = try await DaemonHarness()  // no recipient: every backup fails closed
        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        #expect(try daemon.aegisctl("backup redis").status == 1)
        let report = try daemon.status()
        let redis = try #require(report.backups?.first { $0.service == "redis" })
        #expect(redis.lastFailureReason?.contains("backup.recipients") == true)
        #expect(report.summary.contains("warning: redis: last backup failed"))
        #expect(try await daemon.terminate() == 0)
    }
}
