import AegisCore
import AegisSystem
import Foundation
import Testing
import AegisTestSupport

/// The disk-space guard with the real aegisd, Redis and this machine's real filesystem: the
/// threshold is set above the free space there is, so a backup must be refused; aegisd's own
/// alert for it goes to the real journald and resolves with the next backup that works.
@Suite(.serialized) struct DiskSpaceGuardDaemonTests {
    @Test func testBackupThatWouldLeaveTooLittleFreeSpace_isRefused_recorded_alerted_andNothingIsWritten() async throws {
        let journal = try await Journald.ensureRunning()
        let keyDirectory = try DaemonHarness.makeTemporaryDirectory(prefix: "aegisd-test-agekey")
        defer { try? FileManager.default.removeItem(atPath: keyDirectory) }
        try DaemonHarness.shell("age-keygen -o '\(keyDirectory)/backup.agekey' 2>/dev/null")
        let recipient = try DaemonHarness.shell("age-keygen -y '\(keyDirectory)/backup.agekey'")
        let free = try #require(FilesystemSpace.figures(of: [keyDirectory]).first).freePercent
        // A margin of 5 points: other programs may free space meanwhile.
        let threshold = Int(free.rounded(.down)) + 5
        try #require(threshold <= 99, "this filesystem is almost empty; the guard cannot be driven above its free space")
        let daemon = try await DaemonHarness {
            $0.backup.recipients = [recipient]
            $0.backup.minFreePercent = threshold
            $0.loki.enabled = false
        }
        // Entries of this run only: pids are reused, the journal keeps earlier ones.
        let started = Date()
        try daemon.start(journal: journal)
        try await daemon.waitUntilAllHealthy()
        let pid = try #require(daemon.process?.processIdentifier)

        let refused = try daemon.aegisctl("backup redis")
        #expect(refused.status == 1)
        #expect(refused.output.contains("backup of redis refused to protect free space"), "\(refused.output)")
        #expect(refused.output.contains("backup.min_free_percent = \(threshold)%"), "\(refused.output)")
        let directory = "\(daemon.root)/backups/redis"
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).isEmpty)

        // Recorded as the last failure: in status and in /metrics.
        let status = try daemon.status()
        let redis = try #require(status.backups?.first { $0.service == "redis" })
        #expect(redis.lastFailureReason?.contains("refused to protect free space") == true)
        #expect(status.summary.contains("redis: last backup failed: backup of redis refused"))
        #expect(status.filesystems?.map(\.path) == [
            "\(daemon.root)/data", "\(daemon.root)/backups", "\(daemon.root)/spool",
        ])
        #expect(status.daemon.metricsURL == "http://127.0.0.1:\(daemon.config.metrics.port)/metrics")
        let human = try daemon.aegisctl("status")
        #expect(human.output.contains("disk: \(daemon.root)/backups "), "\(human.output)")
        #expect(human.output.contains("metrics: http://127.0.0.1:\(daemon.config.metrics.port)/metrics"))
        try await Self.waitForScrape(daemon, containing: "aegis_backup_last_failure_timestamp_seconds{service=\"redis\"}")

        // aegisd's own alert in journald, with the kind's MESSAGE_ID.
        let alert = ["_PID=\(pid)", "MESSAGE_ID=\(AlertKind.backupFailed.messageID)", "AEGIS_ALERT_SUBJECT=redis"]
        if journal {
            try await Poll.until("the firing alert in journald") {
                !((try? Journald.entries(alert + ["AEGIS_ALERT_STATE=firing"], since: started)) ?? []).isEmpty
            }
            let entry = try #require(try Journald.entries(alert + ["AEGIS_ALERT_STATE=firing"], since: started).first)
            #expect(entry["PRIORITY"] == "2")
            #expect(entry["AEGIS_ALERT"] == "AegisBackupFailed")
            #expect(entry["MESSAGE"]?.contains("refused to protect free space") == true)
        } else {
            Issue.record("journald could not be started here (needs root and systemd-journald): alerts not checked")
        }

        // With the guard off, the backup works, and the alert resolves.
        try daemon.rewriteConfig { $0.backup.minFreePercent = 0 }
        #expect(try daemon.aegisctl("reload").status == 0)
        let works = try daemon.aegisctl("backup redis")
        #expect(works.status == 0, "\(works.output)")
        try await Self.waitForScrape(daemon, containing: "aegis_backup_last_size_bytes{service=\"redis\"}")
        if journal {
            try await Poll.until("the resolved alert in journald") {
                !((try? Journald.entries(alert + ["AEGIS_ALERT_STATE=resolved"], since: started)) ?? []).isEmpty
            }
        }
        #expect(try await daemon.terminate() == 0)
    }

    static func waitForScrape(_ daemon: DaemonHarness, containing text: String) async throws {
        try await Poll.until("\(text) in /metrics", timeout: .seconds(30), every: .milliseconds(200)) {
            (try? MetricsHTTP.get(port: daemon.config.metrics.port, path: "/metrics").body.contains(text)) == true
        }
    }
}
