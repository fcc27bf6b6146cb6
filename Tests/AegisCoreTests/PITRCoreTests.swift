import Testing
import AegisCore

/// The pure parts of point-in-time recovery: pgBackRest's file and the archiving lines, the
/// restore time, `pgbackrest info`'s JSON, the window check, and `[pitr]` validation.
@Suite struct PITRCoreTests {
    let layout = StateLayout(root: "/var/lib/aegis")

    private func renderer(_ change: (inout PITRSettings) -> Void = { _ in }) -> PgBackRestConfigRenderer {
        var pitr = PITRSettings()
        change(&pitr)
        return PgBackRestConfigRenderer(
            instance: .backend, settings: PostgresInstanceSettings(instance: .backend, port: 5432), pitr: pitr,
            layout: layout, superuser: "aegis")
    }

    @Test(arguments: [
        "[global]",
        "repo1-path=/var/lib/aegis/pgbackrest",
        "repo1-cipher-type=aes-256-cbc",
        "repo1-cipher-pass=S3cret",
        "repo1-retention-full=2",
        "archive-async=y",
        "archive-push-queue-max=4GiB",
        "spool-path=/var/lib/aegis/pgbackrest-spool/postgres-backend",
        "lock-path=/var/lib/aegis/run/postgres-backend/pgbackrest",
        "[postgres-backend]",
        "pg1-path=/var/lib/aegis/data/postgres-backend",
        "pg1-port=5432",
        "pg1-socket-path=/var/lib/aegis/run/postgres-backend",
        "pg1-user=aegis",
    ])
    func testPgBackRestConf_hasLine(line: String) {
        let lines = renderer().configuration(cipherPassphrase: "S3cret").split(separator: "\n").map(String.init)
        #expect(lines.contains(line))
    }

    @Test func testRetentionAndQueueBound_followTheSettings() {
        let text = renderer { $0.repo1RetentionFull = 5; $0.archiveQueueMax = "512MiB" }.configuration(cipherPassphrase: "x")
        #expect(text.contains("repo1-retention-full=5\n"))
        #expect(text.contains("archive-push-queue-max=512MiB\n"))
    }

    @Test func testArchivingLines_nameTheInstancesOwnFileAndStanza() {
        let settings = renderer { $0.archiveTimeoutS = 30 }.postgresqlSettings
        #expect(settings.contains("archive_mode = on"))
        #expect(settings.contains(
            "archive_command = 'pgbackrest --config=/var/lib/aegis/conf/postgres-backend/pgbackrest.conf --stanza=postgres-backend archive-push %p'"))
        #expect(settings.contains("archive_timeout = 30"))
        #expect(!settings.contains("cipher"), "the passphrase stays in the 0600 file")
    }

    @Test func testArchiveCommand_quotesAPathWithASpaceForTheShellAndTheConfFile() {
        let odd = PgBackRestConfigRenderer(
            instance: .ai, settings: PostgresInstanceSettings(instance: .ai, port: 5433), pitr: PITRSettings(),
            layout: StateLayout(root: "/srv/it's data"), superuser: "aegis")
        #expect(odd.archiveCommand
            == "pgbackrest '--config=/srv/it'\\''s data/conf/postgres-ai/pgbackrest.conf' --stanza=postgres-ai archive-push %p")
        #expect(odd.postgresqlSettings.contains("archive_command = 'pgbackrest ''--config=/srv/it''\\''''s data/"))
    }

    @Test func testDrillRestoreCommand_isSynchronousAndNamesTheScratchDirectory() {
        #expect(renderer().drillRestoreCommand(dataDir: "/var/lib/aegis/pgbackrest-drill/postgres-backend/data")
            == "pgbackrest --config=/var/lib/aegis/conf/postgres-backend/pgbackrest.conf --stanza=postgres-backend "
            + "--pg1-path=/var/lib/aegis/pgbackrest-drill/postgres-backend/data --no-archive-async archive-get %f \"%p\"")
    }

    @Test func testPostgresqlConf_archivesOnlyWithPITR() {
        let settings = PostgresInstanceSettings(instance: .backend, port: 5432)
        let off = PostgresConfigRenderer(instance: .backend, settings: settings, layout: layout, superuser: "aegis", daemonUser: "root")
        #expect(off.postgresqlConf.contains("archive_mode = off"))
        let on = PostgresConfigRenderer(
            instance: .backend, settings: settings, layout: layout, superuser: "aegis", daemonUser: "root", archiving: renderer())
        #expect(on.postgresqlConf.contains("archive_mode = on"))
        #expect(on.postgresqlConf.contains("archive_timeout = 60"), "60 s by default")
    }

    @Test(arguments: [
        ("2026-12-01 10:42:00+00", 1_796_121_720),
        ("2026-12-01T10:42:00Z", 1_796_121_720),
        ("2026-12-01 10:42:00 UTC", 1_796_121_720),
        ("2026-12-01 11:42:00+01", 1_796_121_720),
        ("2026-12-01 05:12:00-05:30", 1_796_121_720),
        ("2026-12-01 10:42+00", 1_796_121_720),
        ("2026-12-01 10:42:00.750+00", 1_796_121_720),
        ("2024-02-29 00:00:00+00", 1_709_164_800),
    ] as [(String, Int64)])
    func testRecoveryTime_parses(text: String, epoch: Int64) throws {
        let time = try RecoveryTime(parsing: text)
        #expect(time.secondsSinceEpoch == epoch)
        #expect(try RecoveryTime(parsing: time.target) == time, "the target handed to pgBackRest reads back the same")
    }

    @Test(arguments: [
        ("2026-12-01 10:42:00", "has no offset"),
        ("yesterday", "is not a time with its offset"),
        ("2026-13-01 10:42:00+00", "is not a valid date"),
        ("2026-02-30 10:42:00+00", "is not a valid date"),
        ("2026-12-01 10:42:00+25", "is not a time with its offset"),
    ])
    func testRecoveryTime_refuses(text: String, reason: String) {
        #expect {
            try RecoveryTime(parsing: text)
        } throws: { error in
            "\(error)".contains(reason)
        }
    }

    static let infoJSON = """
        [{"archive":[{"database":{"id":1,"repo-key":1},"id":"15-1","max":"000000020000000000000009","min":"000000010000000000000003"}],
          "backup":[
            {"archive":{"start":"000000010000000000000005","stop":"000000010000000000000005"},"error":false,
             "info":{"delta":100,"repository":{"delta":2000,"size":2000},"size":30000000},"label":"20261201-003010F",
             "timestamp":{"start":1796085010,"stop":1796085014},"type":"full"},
            {"archive":{"start":"000000010000000000000003","stop":"000000010000000000000003"},
             "info":{"delta":100,"repository":{"delta":1500,"size":1500},"size":29000000},"label":"20261130-003010F",
             "timestamp":{"start":1795998610,"stop":1795998613},"type":"full"}],
          "cipher":"aes-256-cbc","name":"postgres-backend","status":{"code":0,"message":"ok"}},
         {"name":"postgres-ai","backup":[],"archive":[],"status":{"code":2,"message":"no valid backups"}}]
        """

    @Test func testInfo_readsBackupsOldestFirstAndTheWALRange() throws {
        let info = try PgBackRestInfo.parse(Self.infoJSON, stanza: "postgres-backend")
        #expect(info.backups.map(\.label) == ["20261130-003010F", "20261201-003010F"])
        #expect(info.backups.first?.repositoryBytes == 1500)
        #expect(info.walMin == "000000010000000000000003")
        #expect(info.walMax == "000000020000000000000009")
        #expect(info.earliestRecoverable == 1_795_998_613)
        #expect(info.newestBackup?.label == "20261201-003010F")
        let empty = try PgBackRestInfo.parse(Self.infoJSON, stanza: "postgres-ai")
        #expect(empty.backups.isEmpty && empty.earliestRecoverable == nil && empty.statusCode == 2)
        #expect(throws: PgBackRestInfoError.self) { try PgBackRestInfo.parse(Self.infoJSON, stanza: "postgres-executor") }
        #expect(throws: PgBackRestInfoError.self) { try PgBackRestInfo.parse("ERROR: [055]", stanza: "postgres-backend") }
    }

    @Test func testWindow_refusesTimesOutsideIt_withTheWindowInTheMessage() throws {
        var status = PITRStatus(service: "postgres-backend")
        #expect(status.refusal(for: RecoveryTime(secondsSinceEpoch: 100))?.contains("no base backup yet") == true)
        status.windowStart = try RecoveryTime(parsing: "2026-12-01 00:00:00+00").secondsSinceEpoch
        status.windowEnd = try RecoveryTime(parsing: "2026-12-01 10:00:00+00").secondsSinceEpoch
        #expect(status.refusal(for: try RecoveryTime(parsing: "2026-12-01 05:00:00+00")) == nil)
        #expect(status.refusal(for: try RecoveryTime(parsing: "2026-12-01 00:00:00+00")) == nil, "the ends are inside")
        #expect(status.refusal(for: try RecoveryTime(parsing: "2026-12-01 10:00:00+00")) == nil)
        let late = status.refusal(for: try RecoveryTime(parsing: "2026-12-01 10:00:01+00"))
        #expect(late == "2026-12-01 10:00:01+00 is outside the recoverable window of postgres-backend: 2026-12-01 00:00:00+00 … 2026-12-01 10:00:00+00")
        #expect(status.refusal(for: try RecoveryTime(parsing: "2026-11-30 23:59:59+00")) != nil)
    }

    @Test func testPITR_isOnByDefault_perInstanceOverride() {
        var config = AegisConfig.defaults()
        #expect(PostgresInstance.allCases.allSatisfy { config.pitrEnabled($0.serviceID) })
        #expect(!config.pitrEnabled(.redis))
        config.postgres.instances[.ai]!.pitr = false
        #expect(!config.pitrEnabled(.postgresAI) && config.pitrEnabled(.postgresBackend))
        config.postgres.instances[.executor]!.enabled = false
        #expect(!config.pitrEnabled(.postgresExecutor), "a disabled instance archives nothing")
        config.pitr.enabled = false
        #expect(!config.pitrEnabled(.postgresBackend))
    }

    static func bad(_ change: (inout PITRSettings) -> Void) -> PITRSettings {
        var settings = PITRSettings()
        change(&settings)
        return settings
    }

    @Test(arguments: [
        ("full_schedule", bad { $0.fullSchedule = "61 * * * *" }),
        ("diff_schedule", bad { $0.diffSchedule = "0 0 30 2 *" }),
        ("drill_schedule", bad { $0.drillSchedule = "daily" }),
        ("archive_timeout_s", bad { $0.archiveTimeoutS = 0 }),
        ("repo1_retention_full", bad { $0.repo1RetentionFull = 0 }),
        ("archive_queue_max", bad { $0.archiveQueueMax = "4" }),
        ("archive_queue_max", bad { $0.archiveQueueMax = "4 GB" }),
        ("time_zone", bad { $0.timeZone = "" }),
    ])
    func testBadPITRSettings_areNamed(key: String, settings: PITRSettings) {
        var config = AegisConfig.defaults()
        config.pitr = settings
        #expect(ConfigValidator.validate(config).map(\.path) == ["pitr.\(key)"])
    }

    @Test func testPITRSection_roundTripsThroughTheRenderedFile() {
        var config = AegisConfig.defaults()
        config.pitr.archiveTimeoutS = 15
        config.pitr.fullSchedule = ""
        config.postgres.instances[.ai]!.pitr = false
        let rendered = ConfigRenderer.render(config)
        #expect(rendered.contains("[pitr]"))
        #expect(ReloadPlan(old: .defaults(), new: config).needsDaemonRestart == ["[pitr]", "postgres.ai.pitr"])
    }
}

/// PITR's metric families: values from the status, and nothing invented for what is unknown.
@Suite struct PITRMetricsTests {
    @Test func testPITRFamilies_followTheStatus_andLeaveOutWhatIsUnknown() {
        var report = StatusReport(daemon: DaemonStatus(version: "1", pid: 1, uptimeSeconds: 1, ready: true), services: [])
        var ready = PITRStatus(service: "postgres-backend", stanzaReady: true, backups: [
            PgBackRestInfo.Backup(label: "a", type: "full", startedAt: 90, stoppedAt: 100),
            PgBackRestInfo.Backup(label: "b", type: "diff", startedAt: 190, stoppedAt: 200),
            PgBackRestInfo.Backup(label: "c", type: "incr", startedAt: 290, stoppedAt: 300, error: true),
        ])
        ready.windowStart = 100
        ready.windowEnd = 400
        ready.archiveLagSeconds = 0
        ready.walBytes = 48 << 20
        report.pitr = [ready, PITRStatus(service: "postgres-ai", problem: "pgBackRest is not installed")]
        let families = MetricsMappingTests.families(MetricsInput(status: report, collectedAt: 0, now: 0))
        func value(_ name: String, _ service: String) -> Double? {
            MetricsMappingTests.value(families, name, ["service": service])
        }
        #expect(value("aegis_pitr_stanza_ready", "postgres-backend") == 1)
        #expect(value("aegis_pitr_stanza_ready", "postgres-ai") == 0)
        #expect(value("aegis_pitr_base_backups", "postgres-backend") == 3)
        #expect(value("aegis_pitr_last_base_backup_timestamp_seconds", "postgres-backend") == 200, "the failed one does not count")
        #expect(value("aegis_pitr_recovery_window_start_timestamp_seconds", "postgres-backend") == 100)
        #expect(value("aegis_pitr_recovery_window_end_timestamp_seconds", "postgres-backend") == 400)
        #expect(value("aegis_pitr_archive_lag_seconds", "postgres-backend") == 0)
        #expect(value("aegis_pitr_pg_wal_bytes", "postgres-backend") == Double(48 << 20))
        for name in ["aegis_pitr_last_base_backup_timestamp_seconds", "aegis_pitr_recovery_window_start_timestamp_seconds",
                     "aegis_pitr_archive_lag_seconds"] {
            #expect(value(name, "postgres-ai") == nil, "\(name) is absent when unknown")
        }
    }
}

/// aegisd's own PITR alerts: the conditions of the shipped rules, from the status alone.
@Suite struct PITRAlertTests {
    static func input(_ statuses: [PITRStatus], now: Double) -> MetricsInput {
        var report = StatusReport(daemon: DaemonStatus(version: "1", pid: 1, uptimeSeconds: 1, ready: true), services: [])
        report.pitr = statuses
        return MetricsInput(status: report, collectedAt: now, now: now)
    }

    @Test func testConditions_followTheRules() {
        let day: Int64 = 86_400
        var fine = PITRStatus(service: "postgres-backend", stanzaReady: true, backups: [
            PgBackRestInfo.Backup(label: "f", type: "full", startedAt: 10 * day - 60, stoppedAt: 10 * day),
        ])
        fine.archiveLagSeconds = 300
        var lagging = fine
        lagging.service = "postgres-ai"
        lagging.archiveLagSeconds = 301
        var stale = fine
        stale.service = "postgres-executor"
        stale.backups = [PgBackRestInfo.Backup(label: "old", type: "full", startedAt: 7 * day, stoppedAt: 8 * day - 1)]
        let broken = PITRStatus(service: "postgres-x", stanzaReady: false, problem: "pgBackRest is not installed")
        let found = AlertEvaluator.conditions(Self.input([fine, lagging, stale, broken], now: Double(10 * day)))
            .map { "\($0.kind.rawValue) \($0.subject)" }
        #expect(found == [
            "AegisPITRArchiveFailing postgres-ai",
            "AegisPITRBaseBackupStale postgres-executor",
            "AegisPITRStanzaNotReady postgres-x",
        ])
    }

    /// A failing repository alerts on its own, named with its number, even while the other
    /// one keeps the instance recoverable (its stanza ready, archiving keeping up).
    @Test func testARepositoryUnreadableOrFailingBackups_firesForThatRepositoryAlone() {
        var status = PITRStatus(service: "postgres-backend", stanzaReady: true)
        status.repositories = [
            PITRRepositoryStatus(repo: 1, location: "/var/lib/aegis/pgbackrest", backupCount: 2, newestBackupAt: 500),
            PITRRepositoryStatus(repo: 2, location: "s3://aegis/pitr at store:8333", readable: false, error: "HTTP 403 Forbidden"),
        ]
        var failing = PITRStatus(service: "postgres-ai", stanzaReady: true)
        failing.repositories = [
            PITRRepositoryStatus(repo: 2, location: "s3://aegis/pitr at store:8333", lastBackupError: "no space left"),
        ]
        let found = AlertEvaluator.conditions(Self.input([status, failing], now: 1_000))
        #expect(found.map { "\($0.kind.rawValue) \($0.subject)" } == [
            "AegisPITRRepositoryFailing postgres-backend repo2", "AegisPITRRepositoryFailing postgres-ai repo2",
        ])
        #expect(found[0].summary.contains("HTTP 403 Forbidden") && found[1].summary.contains("no space left"))
        #expect(AlertKind.pitrRepositoryFailing.holdSeconds == 900)

        let families = MetricsMappingTests.families(Self.input([status, failing], now: 1_000))
        func value(_ name: String, _ service: String, _ repo: String) -> Double? {
            MetricsMappingTests.value(families, name, ["service": service, "repo": repo])
        }
        #expect(value("aegis_pitr_repository_readable", "postgres-backend", "1") == 1)
        #expect(value("aegis_pitr_repository_readable", "postgres-backend", "2") == 0)
        #expect(value("aegis_pitr_repository_base_backup_failing", "postgres-ai", "2") == 1)
        #expect(value("aegis_pitr_repository_base_backup_failing", "postgres-backend", "1") == 0)
        #expect(value("aegis_pitr_repository_base_backups", "postgres-backend", "1") == 2)
        #expect(value("aegis_pitr_repository_last_base_backup_timestamp_seconds", "postgres-backend", "1") == 500)
        #expect(value("aegis_pitr_repository_last_base_backup_timestamp_seconds", "postgres-backend", "2") == nil)
    }
}
