import AegisCore
import AegisSystem
import Foundation
import Glibc
import Testing
import AegisTestSupport

/// Off-host copies against a real S3-compatible store (SeaweedFS) through the real rclone,
/// checked from outside aegisd with a second rclone, age and gunzip.
@Suite(.serialized) struct OffsiteTests {
    /// A daemon with an age recipient and `[offsite]` pointing at a fresh bucket of `store`.
    /// Failed uploads are retried after 1 s, then every 2 s (`retry_initial_s`, `retry_max_s`),
    /// rather than after 5 s doubling up to 15 min: the same backoff, on the tests' time scale.
    static func daemon(
        store: SeaweedStore, configure: (inout AegisConfig) -> Void = { _ in }
    ) async throws -> (daemon: DaemonHarness, key: String, remote: String, rcloneConfig: String) {
        let keyDirectory = try DaemonHarness.makeTemporaryDirectory(prefix: "aegisd-test-agekey")
        defer { try? FileManager.default.removeItem(atPath: keyDirectory) }
        try DaemonHarness.shell("age-keygen -o '\(keyDirectory)/backup.agekey' 2>/dev/null")
        let recipient = try DaemonHarness.shell("age-keygen -y '\(keyDirectory)/backup.agekey'")
        let remote = "store:\(store.makePrefix())/db1"
        var rcloneConfig = ""
        let daemon = try await DaemonHarness { config in
            config.backup.recipients = [recipient]
            config.offsite.remote = remote
            config.offsite.rcloneConfig = "\(config.daemon.stateDir)/rclone.conf"
            rcloneConfig = config.offsite.rcloneConfig
            config.offsite.retryInitialS = 1
            config.offsite.retryMaxS = 2
            configure(&config)
        }
        try store.writeRcloneConfig(at: rcloneConfig)
        let key = "\(daemon.root)/operator.agekey"
        try FileManager.default.moveItem(atPath: "\(keyDirectory)/backup.agekey", toPath: key)
        return (daemon, key, remote, rcloneConfig)
    }

    /// The object names under `remote`, listed by a second rclone.
    static func objects(_ remote: String, config: String) throws -> [String] {
        do {
            return try SeaweedStore.rclone(["lsf", "--files-only", remote], config: config)
                .split(separator: "\n").map(String.init).sorted()
        } catch let failure as TestFailure where failure.description.contains("directory not found") {
            return []  // nothing uploaded yet: the bucket does not exist
        }
    }

    static func offsite(_ daemon: DaemonHarness, _ service: String) throws -> OffsiteStatus? {
        try daemon.status().backups?.first { $0.service == service }?.offsite
    }

    static func backup(_ daemon: DaemonHarness, _ service: String) throws -> BackupReport {
        let result = try daemon.aegisctl("backup \(service) --json")
        #expect(result.status == 0, "\(result.output)")
        return try #require(try JSONDecoder().decode([BackupReport].self, from: Data(result.output.utf8)).first)
    }

    @Test func testBackup_isCopiedOffHost_andReadableWithRcloneCatAgeGunzip() async throws {
        let store = try await SeaweedStore.shared.store()
        let (daemon, key, remote, config) = try await Self.daemon(store: store)
        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        try daemon.ownerSQL(.backend, "CREATE TABLE people (id int PRIMARY KEY, name text); INSERT INTO people SELECT g, 'offsite-' || g FROM generate_series(1, 500) g", granting: ["people"])

        let report = try Self.backup(daemon, "postgres-backend")
        try await Poll.until("the off-host copy of \(report.name) to be recorded", timeout: .seconds(60)) {
            try BackupTests.manifest(of: report).offsite != nil
        }
        let manifest = try BackupTests.manifest(of: report)
        let copy = try #require(manifest.offsite)
        #expect(copy.remote == remote && copy.hashType == "md5")
        #expect(copy.hash == (try DaemonHarness.shell("md5sum '\(report.path)' | cut -d' ' -f1")))

        // A second client sees the file and its manifest under the remote path, with their
        // local names, and the store's manifest records the copy.
        let stem = String(report.name.prefix { $0 != "." })
        let names = try Self.objects(remote, config: config)
        #expect(names.contains(report.name) && names.contains("\(stem).manifest.json"), "\(names)")
        let stored = try JSONDecoder().decode(
            BackupManifest.self,
            from: Data(try SeaweedStore.rclone(["cat", "\(remote)/\(stem).manifest.json"], config: config).utf8))
        #expect(stored.sha256 == manifest.sha256 && stored.offsite?.remote == remote)

        // The operator's own tools read the SQL straight from the store.
        let sql = try DaemonHarness.shell(
            "env -i PATH=/usr/bin:/bin HOME=/nonexistent rclone --config '\(config)' cat '\(remote)/\(report.name)' | age -d -i '\(key)' | gunzip | grep -c 'offsite-'")
        #expect(sql == "500")

        let offsite = try #require(try Self.offsite(daemon, "postgres-backend"))
        #expect(offsite.pending == 0 && offsite.lastSuccessFile == report.name && offsite.lastError == nil)
        let listed = try daemon.aegisctl("backups list postgres-backend")
        #expect(listed.output.contains("OFF-HOST") && listed.output.contains("copied "), "\(listed.output)")
        #expect(try await daemon.terminate() == 0)
    }

    /// A backup above rclone's `upload_cutoff` goes up in parts. An S3 store's ETag of such an
    /// object is not its MD5, so the check relies on the MD5 rclone stores in the object's
    /// metadata: it must still match, and the copy be readable whole. The cutoff is lowered to
    /// 5 MiB (S3's smallest part) so that a backup of a few MiB is a multipart upload here, as one
    /// of 200 MiB is with rclone's defaults.
    @Test func testABackupAboveTheUploadCutoff_goesUpInParts_andIsChecked() async throws {
        let store = try await SeaweedStore.shared.store()
        let (daemon, key, remote, config) = try await Self.daemon(store: store)
        try store.writeRcloneConfig(at: config, extra: ["upload_cutoff = 5Mi", "chunk_size = 5Mi"])
        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        // Random hex does not compress below half: about 12 MiB of it is over 5 MiB gzipped.
        try daemon.ownerSQL(.ai, "CREATE TABLE blobs (id int PRIMARY KEY, v text); INSERT INTO blobs SELECT g, md5(random()::text) || md5(random()::text) FROM generate_series(1, 190000) g", granting: ["blobs"])
        let report = try Self.backup(daemon, "postgres-ai")
        let size = try #require(try FileManager.default.attributesOfItem(atPath: report.path)[.size] as? Int)
        try #require(size > 5 << 20, "the backup (\(size) bytes) must be above the 5 MiB cutoff")
        try await Poll.until("the multipart copy of \(report.name) to be checked and recorded", timeout: .seconds(90)) {
            try BackupTests.manifest(of: report).offsite != nil
        }
        let copy = try #require(try BackupTests.manifest(of: report).offsite)
        #expect(copy.hash == (try DaemonHarness.shell("md5sum '\(report.path)' | cut -d' ' -f1")))
        // Asked as any S3 client would (curl signing the request): the ETag of a multipart object
        // is "<MD5 of the parts' MD5s>-<parts>", proof it went in parts, and the whole file's MD5
        // is in the metadata rclone wrote, which is what the check compared.
        let path = remote.dropFirst("store:".count)
        let head = try DaemonHarness.shell(
            "curl -sS -I --aws-sigv4 'aws:amz:us-east-1:s3' --user '\(store.accessKey):\(store.secretKey)' "
                + "'http://127.0.0.1:\(store.s3Port)/\(path)/\(report.name)'")
        let etag = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("etag:") } ?? ""
        #expect(etag.range(of: #"-[0-9]+"$"#, options: .regularExpression) != nil, "\(head)")
        let md5Base64 = try DaemonHarness.shell("openssl dgst -md5 -binary '\(report.path)' | base64")
        #expect(head.contains("X-Amz-Meta-md5chksum: \(md5Base64)"), "\(head)")
        let rows = try DaemonHarness.shell(
            "env -i PATH=/usr/bin:/bin HOME=/nonexistent rclone --config '\(config)' cat '\(remote)/\(report.name)' | age -d -i '\(key)' | gunzip | grep -c -E '^[0-9]+\t[0-9a-f]{64}$'")
        #expect(rows == "190000")
        #expect(try await daemon.terminate() == 0)
    }

    /// The store goes away: the backup itself succeeds and stays, status says what waits and
    /// why, and the retry uploads it once the store is back.
    @Test func testStoreStopped_theBackupStays_andTheRetryUploadsItLater() async throws {
        let store = try await SeaweedStore()
        let (daemon, _, remote, config) = try await Self.daemon(store: store)
        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        store.stop()

        let report = try Self.backup(daemon, "redis")
        #expect(report.status == "complete")
        try await Poll.until("status to show the failed upload", timeout: .seconds(60)) {
            (try Self.offsite(daemon, "redis")).map { $0.pending == 1 && $0.lastError != nil } ?? false
        }
        let waiting = try #require(try Self.offsite(daemon, "redis"))
        #expect(waiting.nextAttemptAt != nil)
        let text = try daemon.aegisctl("status").output
        #expect(text.contains("off-host redis: no copy yet, 1 pending"), "\(text)")
        let manifest = try BackupTests.manifest(of: report)
        #expect(manifest.offsite == nil)
        #expect(manifest.sha256 == (try DaemonHarness.shell("sha256sum '\(report.path)' | cut -d' ' -f1")))

        try await store.start()
        try await Poll.until("the retry to upload \(report.name)", timeout: .seconds(90), every: .milliseconds(200)) {
            try BackupTests.manifest(of: report).offsite != nil
        }
        #expect(try Self.objects(remote, config: config).contains(report.name))
        try await daemon.waitFor("status to show nothing pending") { status in
            status.backups?.first { $0.service == "redis" }?.offsite.map { $0.pending == 0 && $0.lastError == nil } ?? false
        }
        #expect(FileManager.default.fileExists(atPath: report.path))
        #expect(try await daemon.terminate() == 0)
    }

    /// The store's disk fills up: the store refuses the upload (SeaweedFS answers a plain HTTP
    /// 500), the backup itself succeeds and stays, status and `backups list` say what waits and
    /// what to check, the retry backs off rather than looping, and once space is freed on the
    /// store's disk the retry uploads it.
    @Test func testStoreFull_theBackupStays_theRetryBacksOff_andUploadsItOnceThereIsRoom() async throws {
        // The volumes on a 64 MiB tmpfs of their own: the objects' bytes, and nothing else.
        let store = try await SeaweedStore(volumeDiskBytes: 64 << 20)
        let (daemon, _, remote, config) = try await Self.daemon(store: store) { $0.metrics.collectIntervalS = 1 }
        let service = "postgres-executor"
        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        // Some 100 KiB of backup: a few bytes could still go into the last, partly used page
        // of a volume file on the full tmpfs.
        try daemon.ownerSQL(.executor, "CREATE TABLE blobs (id int, body text); INSERT INTO blobs SELECT g, md5(g::text) || md5((g * 7)::text) FROM generate_series(1, 3000) g")
        // A first backup while there is room: the store then holds one copy.
        let first = try Self.backup(daemon, service)
        try await Poll.until("the off-host copy of \(first.name)", timeout: .seconds(60)) {
            try Self.offsite(daemon, service)?.lastSuccessFile == first.name
        }

        try store.fillVolumeDisk()
        #expect(try store.volumeDiskFreeBytes() == 0)
        let report = try Self.backup(daemon, service)
        #expect(report.status == "complete")
        try await Poll.until("status to show the refused upload", timeout: .seconds(60)) {
            (try Self.offsite(daemon, service)).map { $0.pending == 1 && $0.lastError != nil } ?? false
        }
        let waiting = try #require(try Self.offsite(daemon, service))
        let error = try #require(waiting.lastError)
        // What the store said, and what to check.
        #expect(error.contains("the store answered with a server error (HTTP 500)") && error.contains("check the store's free space"), "\(error)")
        #expect(error.contains("InternalError"), "\(error)")
        #expect(waiting.lastSuccessFile == first.name && waiting.nextAttemptAt != nil)
        let text = try daemon.aegisctl("status").output
        #expect(text.contains("off-host \(service): last copy ") && text.contains(", 1 pending, next try "), "\(text)")
        #expect(text.contains("last error: rclone upload of \(report.path) failed"), "\(text)")

        let listed = try daemon.aegisctl("backups list \(service) --json")
        let reports = try JSONDecoder().decode([BackupReport].self, from: Data(listed.output.utf8))
        let pending = try #require(reports.first { $0.name == report.name })
        #expect(pending.offsitePending == true && pending.offsite == nil)
        #expect(pending.offsiteError?.contains("check the store's free space") == true, "\(listed.output)")
        #expect(reports.first { $0.name == first.name }?.offsiteError == nil)
        let table = try daemon.aegisctl("backups list \(service)").output
        #expect(table.contains("pending") && table.contains("off-host copy: rclone upload of"), "\(table)")

        // The alert's inputs: one copy waiting, the newest copy still the first backup's (so
        // AegisBackupOffsiteStale measures from it).
        let uploadedAt = try #require(try BackupTests.manifest(of: first).offsite?.uploadedAt)
        try await Poll.until("the metrics to count the pending copy", timeout: .seconds(30)) {
            let body = try MetricsHTTP.get(port: daemon.config.metrics.port, path: "/metrics").body
            return body.contains("aegis_backup_offsite_pending{service=\"\(service)\"} 1")
                && body.contains("aegis_backup_offsite_last_success_timestamp_seconds{service=\"\(service)\"} \(uploadedAt.secondsSinceEpoch)")
        }

        // Retried with backoff, not in a loop: by the policy, 1 s then 2 s (each less up to a
        // fifth) separate tries 1 to 4, at least 4 s, which the log's whole seconds show as 3 s
        // or more. A loop would make the four tries within a second.
        let attemptLine = { (n: Int) in "off-host copy of \(report.name) failed (attempt \(n))" }
        try await Poll.until("the fourth try of \(report.name)", timeout: .seconds(60)) {
            daemon.log.contains(attemptLine(4))
        }
        let times = try (1...4).map { n in
            let line = try #require(daemon.log.split(separator: "\n").first { $0.contains(attemptLine(n)) })
            return try #require(UTCTimestamp(rfc3339: String(line.prefix(20))), "no time stamp in: \(line)")
        }
        #expect(times[3].secondsSinceEpoch - times[0].secondsSinceEpoch >= 3, "\(times)")
        #expect(times == times.sorted())

        // No object of the refused backup in the store: above all no manifest without its file.
        let stem = String(report.name.prefix { $0 != "." })
        let names = try Self.objects(remote, config: config)
        #expect(!names.contains("\(stem).manifest.json") && !names.contains(report.name), "\(names)")
        let manifest = try BackupTests.manifest(of: report)
        #expect(manifest.offsite == nil)
        #expect(manifest.sha256 == (try DaemonHarness.shell("sha256sum '\(report.path)' | cut -d' ' -f1")))

        // Room again on the store's disk: the next retry uploads it, checked.
        try store.freeVolumeDisk()
        try await Poll.until("the retry to upload \(report.name)", timeout: .seconds(60), every: .milliseconds(200)) {
            try BackupTests.manifest(of: report).offsite != nil
        }
        let after = try Self.objects(remote, config: config)
        #expect(after.contains(report.name) && after.contains("\(stem).manifest.json"), "\(after)")
        try await daemon.waitFor("status to show nothing pending") { status in
            status.backups?.first { $0.service == service }?.offsite.map { $0.pending == 0 && $0.lastError == nil } ?? false
        }
        #expect(FileManager.default.fileExists(atPath: report.path))
        #expect(try await daemon.terminate() == 0)
    }

    /// A configuration file others can read and then wrong credentials: clear errors in status,
    /// the backups still complete; fixed files are picked up by the next retry, without a reload.
    @Test func testOpenConfigAndWrongCredentials_areNamed_andBackupsContinue() async throws {
        let store = try await SeaweedStore.shared.store()
        let (daemon, _, remote, config) = try await Self.daemon(store: store)
        try store.writeRcloneConfig(at: config, secret: "not-the-secret")
        chmod(config, 0o644)
        try daemon.start()
        try await daemon.waitUntilAllHealthy()

        let first = try Self.backup(daemon, "postgres-ai")
        #expect(first.status == "complete")
        try await Poll.until("status to name the open rclone config", timeout: .seconds(60)) {
            try Self.offsite(daemon, "postgres-ai")?.lastError?.contains("chmod 600") == true
        }
        chmod(config, 0o600)
        try await Poll.until("status to name the refused credentials", timeout: .seconds(60), every: .milliseconds(200)) {
            try Self.offsite(daemon, "postgres-ai")?.lastError?.contains("the store refused the credentials") == true
        }
        // Local backups go on meanwhile.
        let second = try Self.backup(daemon, "postgres-ai")
        #expect(second.status == "complete")
        try await Poll.until("status to count both backups as pending", timeout: .seconds(30)) {
            try Self.offsite(daemon, "postgres-ai")?.pending == 2
        }
        #expect(!daemon.log.contains("not-the-secret"))

        try store.writeRcloneConfig(at: config)
        try await Poll.until("both backups to be uploaded", timeout: .seconds(120), every: .milliseconds(200)) {
            try Self.offsite(daemon, "postgres-ai")?.pending == 0
        }
        let names = try Self.objects(remote, config: config)
        #expect(names.contains(first.name) && names.contains(second.name), "\(names)")
        #expect(try await daemon.terminate() == 0)
    }

    /// aegisd dies in the middle of an upload (SIGKILL, outside systemd: no control group to
    /// clean up): rclone dies with it while the databases keep running, the store never holds a
    /// manifest without its file, and the next start uploads the backup again.
    @Test func testKilledMidUpload_theNextStartFinishesIt() async throws {
        let store = try await SeaweedStore.shared.store()
        // A slow link: the upload takes seconds, long enough to be caught running.
        let (daemon, _, remote, config) = try await Self.daemon(store: store) { $0.offsite.bandwidthLimit = "64K" }
        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        try daemon.ownerSQL(.executor, "CREATE TABLE blobs (id int, body text); INSERT INTO blobs SELECT g, md5(g::text) || md5((g * 7)::text) FROM generate_series(1, 20000) g")
        let report = try Self.backup(daemon, "postgres-executor")
        #expect(report.size > 256 * 1024, "the backup should take a few seconds at 64 KiB/s: \(report.size) bytes")

        var uploader: Int32?
        try await Poll.until("rclone to be uploading \(report.name)", timeout: .seconds(30)) {
            uploader = daemon.ourProcesses().first { ProcessTable.commandLine($0).contains(report.path) }
            return uploader != nil
        }
        let uploaderPid = try #require(uploader)
        let postmaster = try #require(try daemon.service(.postgresBackend).pid)
        try await daemon.killDaemon()
        // The kernel's parent-death signal, not anything aegisd did: it had no chance to.
        try await Poll.until("rclone (pid \(uploaderPid)) to die with aegisd", timeout: .seconds(10)) {
            !ProcessTable.isAlive(uploaderPid)
        }
        #expect(ProcessTable.isAlive(postmaster), "a supervised server must outlive aegisd's crash")
        #expect(!daemon.ourProcesses().contains { ProcessTable.commandLine($0).first?.hasSuffix("rclone") == true })
        let stem = String(report.name.prefix { $0 != "." })
        #expect(!(try Self.objects(remote, config: config)).contains("\(stem).manifest.json"))
        #expect(try BackupTests.manifest(of: report).offsite == nil)

        // The slow link was only there to catch the upload running; the next start may go fast.
        try daemon.rewriteConfig { $0.offsite.bandwidthLimit = "" }
        try daemon.start()
        try await Poll.until("the next start to upload \(report.name)", timeout: .seconds(120), every: .milliseconds(200)) {
            try BackupTests.manifest(of: report).offsite != nil
        }
        let names = try Self.objects(remote, config: config)
        #expect(names.contains(report.name) && names.contains("\(stem).manifest.json"), "\(names)")
        let size = try SeaweedStore.rclone(["size", "--json", "\(remote)/\(report.name)"], config: config)
        #expect(size.contains("\"bytes\":\(report.size)"), "\(size)")
        #expect(try await daemon.terminate() == 0)
    }

    /// `backups prune --dry-run`: each backup with retention's verdict and reason, locally and
    /// in the store, where only pairs aegisd wrote to this remote are considered; nothing goes.
    @Test func testPruneDryRun_explainsEachBackup_locallyAndInTheStore() async throws {
        let store = try await SeaweedStore.shared.store()
        let (daemon, _, remote, config) = try await Self.daemon(store: store) { $0.offsite.keepAtLeast = 1 }
        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        let report = try Self.backup(daemon, "redis")
        // Status shows the upload once its pass is over, retention included: the objects made
        // below must not meet that retention.
        try await Poll.until("the upload of \(report.name) and its retention", timeout: .seconds(60)) {
            try Self.offsite(daemon, "redis")?.lastSuccessFile == report.name
        }
        // Made after the backup and its upload, whose retention passes would remove them.
        let old = "redis_20200101_000000"
        let oldLocal = "\(daemon.root)/backups/redis/\(old).rdb.gz.age"
        try "an operator's copy".write(toFile: oldLocal, atomically: true, encoding: .utf8)
        var ours = try BackupTests.manifest(of: report)
        ours.file = "\(old).rdb.gz.age"
        var foreign = ours
        foreign.file = "redis_20210101_000000.rdb.gz.age"
        foreign.offsite?.remote = "elsewhere:bucket"
        let scratch = try DaemonHarness.makeTemporaryDirectory(prefix: "aegisd-test-objects")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        for (manifest, stem) in [(ours, old), (foreign, "redis_20210101_000000")] {
            try BackupCatalog.encode(manifest).write(toFile: "\(scratch)/\(stem).manifest.json", atomically: true, encoding: .utf8)
            try "bytes".write(toFile: "\(scratch)/\(manifest.file)", atomically: true, encoding: .utf8)
        }
        try "not a backup".write(toFile: "\(scratch)/notes.txt", atomically: true, encoding: .utf8)
        try SeaweedStore.rclone(["copy", scratch, remote], config: config)
        let before = try Self.objects(remote, config: config)

        let local = try daemon.aegisctl("backups prune --dry-run redis --json")
        #expect(local.status == 0, "\(local.output)")
        let localPlan = try JSONDecoder().decode([BackupReport].self, from: Data(local.output.utf8))
        #expect(localPlan.map { "\($0.name) \($0.retention ?? "-"): \($0.retentionReason ?? "")" } == [
            "\(old).rdb.gz.age remove: a file without a manifest, older than 30 days (retention_days)",
            "\(report.name) keep: the newest complete backup",
        ], "\(localPlan)")

        let inStore = try daemon.aegisctl("backups prune --dry-run redis --remote")
        #expect(inStore.status == 0, "\(inStore.output)")
        let lines = inStore.output.split(separator: "\n").map(String.init)
        #expect(lines.count == 3, "\(inStore.output)")  // the header, our old pair, the new one
        #expect(lines.contains { $0.contains("\(old).rdb.gz.age") && $0.contains("remove") && $0.contains("older than 30 days") }, "\(inStore.output)")
        #expect(lines.contains { $0.contains(report.name) && $0.contains("keep") && $0.contains("the newest complete backup") }, "\(inStore.output)")
        #expect(!inStore.output.contains("redis_20210101_000000") && !inStore.output.contains("notes.txt"))

        // A dry run removes nothing, and there is no other kind.
        #expect(FileManager.default.fileExists(atPath: oldLocal))
        #expect(try Self.objects(remote, config: config) == before)
        let refused = try daemon.aegisctl("backups prune redis")
        #expect(refused.status == 2 && refused.output.contains("add --dry-run"), "\(refused.output)")

        // The next upload's retention does what the plan said: our expired pair goes (manifest
        // and file); the other remote's pair and the operator's object stay.
        let next = try Self.backup(daemon, "redis")
        // The pair goes manifest first, then the file: wait for both.
        try await Poll.until("retention in the store after the upload of \(next.name)", timeout: .seconds(60)) {
            let objects = try Self.objects(remote, config: config)
            return !objects.contains("\(old).manifest.json") && !objects.contains("\(old).rdb.gz.age")
        }
        let after = try Self.objects(remote, config: config)
        #expect(!after.contains("\(old).rdb.gz.age"), "\(after)")
        #expect(after.contains("redis_20210101_000000.manifest.json") && after.contains("redis_20210101_000000.rdb.gz.age"), "\(after)")
        #expect(after.contains("notes.txt") && after.contains(next.name), "\(after)")
        #expect(try await daemon.terminate() == 0)
    }
}
