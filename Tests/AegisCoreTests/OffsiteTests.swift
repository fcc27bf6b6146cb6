import AegisCore
import Testing

@Suite struct OffsiteRetryPolicyTests {
    let policy = OffsiteRetryPolicy()

    @Test(arguments: [
        (OffsiteRetryPolicy.Outcome.uploaded, 1, OffsiteRetryPolicy.Decision.done),
        (.uploaded, 7, .done),
        (.localFileGone, 1, .abandon),
        (.localFileGone, 9, .abandon),
        (.failed, 1, .retry(afterNs: 5_000_000_000)),
        (.failed, 2, .retry(afterNs: 10_000_000_000)),
        (.failed, 3, .retry(afterNs: 20_000_000_000)),
    ])
    func testDecision_byOutcomeAndAttempt(outcome: OffsiteRetryPolicy.Outcome, attempt: Int, expected: OffsiteRetryPolicy.Decision) {
        #expect(policy.decide(outcome, attempt: attempt, random: 0) == expected)
    }

    @Test(arguments: [
        (1, Int64(5_000_000_000)), (2, 10_000_000_000), (5, 80_000_000_000), (8, 640_000_000_000),
        (9, 900_000_000_000), (1000, 900_000_000_000), (0, 5_000_000_000), (-3, 5_000_000_000),
    ])
    func testDelay_doublesUpToTheCap_forever(attempt: Int, expected: Int64) {
        #expect(policy.delay(attempt: attempt, random: 0) == expected)
    }

    @Test(arguments: [(0.0, Int64(5_000_000_000)), (0.5, 4_500_000_000), (1.0, 4_000_000_000), (7.0, 4_000_000_000)])
    func testJitter_shortensByAtMostItsShare(random: Double, expected: Int64) {
        #expect(policy.delay(attempt: 1, random: random) == expected)
    }

    /// `retry_initial_s` and `retry_max_s` set the first delay and the cap.
    @Test(arguments: [(1, Int64(2_000_000_000)), (2, 4_000_000_000), (3, 6_000_000_000), (50, 6_000_000_000)])
    func testConfiguredDelays_doubleFromRetryInitialUpToRetryMax(attempt: Int, expected: Int64) {
        var settings = OffsiteSettings()
        settings.retryInitialS = 2
        settings.retryMaxS = 6
        #expect(OffsiteRetryPolicy(settings).delay(attempt: attempt, random: 0) == expected)
    }
}

@Suite struct OffsitePairsTests {
    @Test func testOnlyFilesWithTheirManifest_arePairs_otherObjectsAreIgnored() {
        let names = [
            "backend_20261128_020000.sql.gz.age", "backend_20261128_020000.manifest.json",
            "backend_20261129_020000.sql.gz.age",  // upload cut short: no manifest
            "backend_20261130_020000.manifest.json",  // a manifest alone (never written by aegisd)
            "ai_20261128_020000.sql.gz.age", "ai_20261128_020000.manifest.json",  // another service
            "notes.txt", "backend_backup.sql",  // an operator's objects
            "backend_20261127_020000.sql.gz", "backend_20261127_020000.manifest.json",  // unencrypted
        ]
        #expect(OffsitePairs.complete(names, service: .postgresBackend).map(\.fileName) == [
            "backend_20261127_020000.sql.gz", "backend_20261128_020000.sql.gz.age",
        ])
        #expect(OffsitePairs.unfinished(names, service: .postgresBackend).map(\.fileName) == ["backend_20261129_020000.sql.gz.age"])
        #expect(OffsitePairs.complete(names, service: .redis).isEmpty)
    }
}

@Suite struct OffsiteConfigTests {
    private func issues(_ change: (inout OffsiteSettings) -> Void) -> [String] {
        var config = AegisConfig.defaults()
        change(&config.offsite)
        return ConfigValidator.validate(config).map { "\($0.path): \($0.reason)" }
    }

    @Test func testDefaults_areOff_andValid() {
        #expect(!OffsiteSettings().enabled)
        #expect(issues { _ in }.isEmpty)
    }

    @Test func testARemote_needsTheRcloneConfig() {
        let found = issues { $0.remote = "store:bucket/db1" }
        #expect(found.count == 1 && found[0].hasPrefix("offsite.rclone_config: must name rclone's configuration file"), "\(found)")
        #expect(issues {
            $0.remote = "store:bucket/db1"
            $0.rcloneConfig = "/etc/aegis/rclone.conf"
        }.isEmpty)
        #expect(issues {
            $0.remote = "store:bucket/db1"
            $0.rcloneConfig = "rclone.conf"
        } == ["offsite.rclone_config: \"rclone.conf\" is not an absolute path"])
    }

    @Test(arguments: [
        ("store:aegis-backups/db1", nil),
        ("s3 prod:b", nil),
        ("store:", nil),
        ("/var/backups", "is not an rclone remote path"),
        ("bucket/db1", "is not an rclone remote path"),
        (":s3:bucket", "is not an rclone remote path"),
        ("--config:x", "is not an rclone remote name"),
        ("st/ore:x", "is not an rclone remote name"),
    ])
    func testRemote(remote: String, problem: String?) {
        let found = issues {
            $0.remote = remote
            $0.rcloneConfig = "/etc/aegis/rclone.conf"
        }
        if let problem {
            #expect(found.count == 1 && found[0].hasPrefix("offsite.remote: ") && found[0].contains(problem), "\(found)")
        } else {
            #expect(found.isEmpty, "\(found)")
        }
    }

    @Test(arguments: [("", true), ("off", true), ("10M", true), ("512K", true), ("1.5M", true), ("100", true),
                      ("10 M", false), ("fast", false), ("10MB", false), ("-1", false), (".5M", false), ("1..5", false)])
    func testBandwidthLimit(limit: String, valid: Bool) {
        let found = issues { $0.bandwidthLimit = limit }
        #expect(found.isEmpty == valid, "\(found)")
        if !valid { #expect(found.first?.contains("e.g. 512K or 10M") == true) }
    }

    @Test func testBounds_areNamed() {
        let found = issues {
            $0.retentionDays = 0
            $0.keepAtLeast = 0
            $0.uploadTimeoutS = 0
            $0.retryInitialS = 0
            $0.retryMaxS = -1
        }
        #expect(found == [
            "offsite.retention_days: must be at least 1 day (found 0)",
            "offsite.keep_at_least: must be at least 1 (found 0): the newest off-host copy is never removed",
            "offsite.upload_timeout_s: must be at least 1 second (found 0)",
            "offsite.retry_initial_s: must be at least 1 second (found 0)",
            "offsite.retry_max_s: must be at least retry_initial_s (0) (found -1)",
        ])
        #expect(issues { $0.retryInitialS = 60; $0.retryMaxS = 30 } == [
            "offsite.retry_max_s: must be at least retry_initial_s (60) (found 30)",
        ])
        #expect(issues { $0.retryMaxS = 1 << 62 } == ["offsite.retry_max_s: must be at most 86400 seconds, a day (found \(1 << 62))"])
    }

    /// The verifier host's drills read from the store and run on a cron schedule.
    @Test func testVerifySchedule_needsARemote_andAValidCronExpression() {
        #expect(issues { $0.verifySchedule = "0 5 * * *" } == [
            "offsite.verify_schedule: needs offsite.remote: the drills read the backups from the store",
        ])
        let configured: (inout OffsiteSettings) -> Void = {
            $0.remote = "store:b/db1"
            $0.rcloneConfig = "/etc/aegis/rclone.conf"
        }
        #expect(issues { configured(&$0); $0.verifySchedule = "0 5 * * *" }.isEmpty)
        let wrong = issues { configured(&$0); $0.verifySchedule = "0 25 * * *" }
        #expect(wrong.count == 1 && wrong[0].hasPrefix("offsite.verify_schedule: "), "\(wrong)")
        #expect(issues { configured(&$0); $0.verifySchedule = "0 0 30 2 *" } == [
            "offsite.verify_schedule: \"0 0 30 2 *\" never fires (no such date)",
        ])
    }

    /// A host that drills the store and also backs up would upload its own backups among them.
    @Test func testAVerifierHostThatAlsoBacksUp_isWarned() {
        var config = AegisConfig.defaults()
        config.offsite.remote = "store:b/db1"
        config.offsite.rcloneConfig = "/etc/aegis/rclone.conf"
        #expect(config.verifierHostWarnings.isEmpty)
        config.offsite.verifySchedule = "30 5 * * *"
        #expect(config.verifierHostWarnings.map(\.path) == ["offsite.verify_schedule"])
        #expect(config.verifierHostWarnings.first?.reason.contains("[backup] enabled = false") == true)
        config.backup.enabled = false
        #expect(config.verifierHostWarnings.isEmpty)
    }

    @Test func testObjectPath_isTheNameUnderTheRemotePath() {
        var settings = OffsiteSettings()
        settings.remote = "store:bucket/db1"
        #expect(settings.objectPath("a.json") == "store:bucket/db1/a.json")
        settings.remote = "store:bucket/db1/"
        #expect(settings.objectPath("a.json") == "store:bucket/db1/a.json")
        settings.remote = "sftp:"
        #expect(settings.objectPath("a.json") == "sftp:a.json")
    }

    @Test func testTheSection_isDecodedFromToml() throws {
        let (config, issues) = ConfigDecoder.decode([
            "offsite": .table([
                "remote": .string("store:b/db1"), "rclone_config": .string("/etc/aegis/rclone.conf"),
                "retention_days": .integer(90), "keep_at_least": .integer(5), "bandwidth_limit": .string("2M"),
                "upload_timeout_s": .integer(600), "verify_schedule": .string("30 5 * * *"),
                "retry_initial_s": .integer(2), "retry_max_s": .integer(60),
            ]),
        ])
        #expect(issues.isEmpty, "\(issues)")
        #expect(config.offsite.remote == "store:b/db1" && config.offsite.rcloneConfig == "/etc/aegis/rclone.conf")
        #expect(config.offsite.retentionDays == 90 && config.offsite.keepAtLeast == 5)
        #expect(config.offsite.bandwidthLimit == "2M" && config.offsite.uploadTimeoutS == 600)
        #expect(config.offsite.verifySchedule == "30 5 * * *")
        #expect(config.offsite.retryInitialS == 2 && config.offsite.retryMaxS == 60)
    }
}

@Suite struct OffsiteMetricsTests {
    @Test func testTheNewestCopyAndThePendingCount_areExported_onlyWhereCopiesAreOn() {
        var on = BackupStatus(service: "postgres-ai")
        on.offsite = OffsiteStatus(
            lastSuccessAt: UTCTimestamp(secondsSinceEpoch: 1_700_000_000), pending: 2,
            lastVerifiedAt: UTCTimestamp(secondsSinceEpoch: 1_700_000_900))
        var never = BackupStatus(service: "postgres-backend")
        never.offsite = OffsiteStatus(pending: 1)
        let off = BackupStatus(service: "redis")
        var report = MetricsMappingTests.report
        report.backups = [on, never, off]
        let families = MetricsMappingTests.families(MetricsInput(status: report, collectedAt: 0, now: 0))
        let last = "aegis_backup_offsite_last_success_timestamp_seconds"
        let pending = "aegis_backup_offsite_pending"
        #expect(MetricsMappingTests.value(families, last, ["service": "postgres-ai"]) == 1_700_000_000)
        #expect(MetricsMappingTests.value(families, pending, ["service": "postgres-ai"]) == 2)
        let drill = "aegis_backup_offsite_drill_last_success_timestamp_seconds"
        #expect(MetricsMappingTests.value(families, drill, ["service": "postgres-ai"]) == 1_700_000_900)
        #expect(MetricsMappingTests.value(families, drill, ["service": "postgres-backend"]) == nil)
        // No copy yet: absent, never 0 (which would read as 1970).
        #expect(MetricsMappingTests.value(families, last, ["service": "postgres-backend"]) == nil)
        #expect(MetricsMappingTests.value(families, pending, ["service": "postgres-backend"]) == 1)
        // Copies off: neither series, so the alert's "none at all" branch stays quiet.
        #expect(MetricsMappingTests.value(families, pending, ["service": "redis"]) == nil)
        #expect(MetricsMappingTests.value(families, last, ["service": "redis"]) == nil)
    }
}
