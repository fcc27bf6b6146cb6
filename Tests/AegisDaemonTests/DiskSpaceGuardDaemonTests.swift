import AegisCore
import AegisSystem
import Foundation
import Testing

/// The disk-space guard with the real aegisd, Redis and this machine's real filesystem: the
/// threshold is set just above the free space there is, so the next backup must be refused.
@Suite(.serialized) struct DiskSpaceGuardDaemonTests {
    @Test func testBackupThatWouldLeaveTooLittleFreeSpace_isRefused_recorded_andNothingIsWritten() async throws {
        let keyDirectory = try DaemonHarness.makeTemporaryDirectory(prefix: "aegisd-test-agekey")
        defer { try? FileManager.default.removeItem(atPath: keyDirectory) }
        try DaemonHarness.shell("age-keygen -o '\(keyDirectory)/backup.agekey' 2>/dev/null")
        let recipient = try DaemonHarness.shell("age-keygen -y '\(keyDirectory)/backup.agekey'")
        let daemon = try await DaemonHarness {
            $0.backup.recipients = [recipient]
            $0.backup.minFreePercent = 0
            $0.loki.enabled = false
        }
        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        let first = try daemon.aegisctl("backup redis")
        #expect(first.status == 0, "\(first.output)")
        let directory = "\(daemon.root)/backups/redis"
        let filesBefore = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()

        let filesystem = try #require(FilesystemSpace.figures(of: [directory]).first)
        let threshold = Int(filesystem.freePercent.rounded(.down)) + 1
        try #require(threshold <= 99, "this filesystem is almost empty; the guard cannot be driven above its free space")
        try daemon.rewriteConfig { $0.backup.minFreePercent = threshold }
        let reload = try daemon.aegisctl("reload")
        #expect(reload.status == 0, "\(reload.output)")

        let refused = try daemon.aegisctl("backup redis")
        #expect(refused.status == 1)
        #expect(refused.output.contains("backup of redis refused to protect free space"), "\(refused.output)")
        #expect(refused.output.contains("backup.min_free_percent = \(threshold)%"), "\(refused.output)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == filesBefore)

        // Recorded as the last failure: in status and in /metrics.
        let status = try daemon.status()
        let redis = try #require(status.backups?.first { $0.service == "redis" })
        #expect(redis.lastFailureReason?.contains("refused to protect free space") == true)
        #expect(status.filesystems?.map(\.path) == [
            "\(daemon.root)/data", "\(daemon.root)/backups", "\(daemon.root)/spool",
        ])
        #expect(status.daemon.metricsURL == "http://127.0.0.1:\(daemon.config.metrics.port)/metrics")
        let human = try daemon.aegisctl("status")
        #expect(human.output.contains("disk: \(daemon.root)/backups "), "\(human.output)")
        #expect(human.output.contains("metrics: http://127.0.0.1:\(daemon.config.metrics.port)/metrics"))
        let deadline = ContinuousClock.now + .seconds(10)
        var scrape = ""
        while !scrape.contains("aegis_backup_last_failure_timestamp_seconds{service=\"redis\"}"), ContinuousClock.now < deadline {
            scrape = try MetricsHTTP.get(port: daemon.config.metrics.port, path: "/metrics").body
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(scrape.contains("aegis_backup_last_failure_timestamp_seconds{service=\"redis\"}"))
        #expect(scrape.contains("aegis_backup_last_size_bytes{service=\"redis\"}"))
        #expect(try await daemon.terminate() == 0)
    }
}
