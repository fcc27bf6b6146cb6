import AegisCore
import Testing

/// The status → metric families mapping: names, labels, values, and what must be absent.
@Suite struct MetricsMappingTests {
    static let report: StatusReport = {
        var report = StatusReport(
            daemon: DaemonStatus(version: "9.8.7", pid: 42, uptimeSeconds: 5, ready: true),
            services: [
                ServiceStatus(name: "postgres-ai", state: .running, healthy: true, pid: 100, restarts: 2),
                ServiceStatus(name: "redis", state: .backoff, healthy: false, pid: nil, restarts: 5),
            ],
            backups: [
                BackupStatus(
                    service: "postgres-ai", lastSuccessAt: UTCTimestamp(secondsSinceEpoch: 1_700_000_000),
                    lastFailureAt: UTCTimestamp(secondsSinceEpoch: 1_600_000_000),
                    lastVerifiedAt: UTCTimestamp(secondsSinceEpoch: 1_700_000_500)),
                BackupStatus(service: "redis", stale: true),
            ])
        var logs = LogsStatus(linesRead: 10, linesShipped: 7, retries: 1, spoolBytes: 512, shipping: true)
        logs.setDropped([.lokiRefused: 2, .queueFull: 1])
        logs.journalSent = 9
        report.logs = logs
        return report
    }()

    static func families(_ input: MetricsInput) -> [String: MetricFamily] {
        Dictionary(uniqueKeysWithValues: MetricsMapping.families(input).map { ($0.name, $0) })
    }

    static func value(_ families: [String: MetricFamily], _ name: String, _ labels: [String: String] = [:]) -> Double? {
        families[name]?.samples.first { sample in
            Dictionary(uniqueKeysWithValues: sample.labels.map { ($0.name, $0.value) }) == labels
        }?.value
    }

    @Test(arguments: [
        ("aegis_service_up", ["service": "postgres-ai"], 1.0),
        ("aegis_service_up", ["service": "redis"], 0),
        ("aegis_service_healthy", ["service": "postgres-ai"], 1),
        ("aegis_service_healthy", ["service": "redis"], 0),
        ("aegis_service_state", ["service": "redis", "state": "backoff"], 1),
        ("aegis_service_state", ["service": "redis", "state": "running"], 0),
        ("aegis_service_state", ["service": "postgres-ai", "state": "running"], 1),
        ("aegis_service_restarts_total", ["service": "redis"], 5),
        ("aegis_backup_last_success_timestamp_seconds", ["service": "postgres-ai"], 1_700_000_000),
        ("aegis_backup_last_failure_timestamp_seconds", ["service": "postgres-ai"], 1_600_000_000),
        ("aegis_backup_drill_last_success_timestamp_seconds", ["service": "postgres-ai"], 1_700_000_500),
        ("aegis_backup_stale", ["service": "redis"], 1),
        ("aegis_backup_stale", ["service": "postgres-ai"], 0),
        ("aegis_backup_schedule_period_seconds", ["service": "redis"], 86_400),
        ("aegis_backup_drill_schedule_period_seconds", ["service": "redis"], 604_800),
        ("aegis_log_lines_read_total", [:], 10),
        ("aegis_log_lines_dropped_total", ["reason": "loki_refused"], 2),
        ("aegis_log_lines_dropped_total", ["reason": "queue_full"], 1),
        ("aegis_log_lines_dropped_total", ["reason": "spool_full"], 0),
        ("aegis_log_journal_sent_total", [:], 9),
        ("aegis_log_spool_bytes", [:], 512),
        ("aegis_build_info", ["version": "9.8.7"], 1),
        ("aegis_daemon_ready", [:], 1),
        ("aegis_metrics_collection_age_seconds", [:], 2.5),
        ("aegis_filesystem_avail_bytes", ["path": "/var/lib/aegisd/data"], 1000),
        ("aegis_filesystem_size_bytes", ["path": "/var/lib/aegisd/data"], 4000),
        ("aegis_certificate_expiry_timestamp_seconds", ["name": "server:redis"], 1_800_000_000),
        ("process_cpu_seconds_total", [:], 1.25),
        ("process_open_fds", [:], 12),
    ] as [(String, [String: String], Double)])
    func testSample(name: String, labels: [String: String], expected: Double) {
        var report = Self.report
        report.filesystems = [FilesystemFigures(path: "/var/lib/aegisd/data", availableBytes: 1000, sizeBytes: 4000)]
        let input = MetricsInput(
            status: report, certificates: [Self.certificate],
            process: ProcessFigures(
                residentMemoryBytes: 1, virtualMemoryBytes: 2, cpuSeconds: 1.25, openFileDescriptors: 12,
                maxFileDescriptors: 1024, startTimeSeconds: 1_700_000_000),
            backupPeriodSeconds: ["postgres-ai": 86_400, "redis": 86_400], drillPeriodSeconds: ["redis": 604_800],
            collectedAt: 100, now: 102.5)
        #expect(Self.value(Self.families(input), name, labels) == expected)
    }

    static let certificate = CertificateStatus(
        role: .server(.redis), certificatePath: "/c", keyPath: "/k",
        info: CertificateInfo(
            subject: "redis", issuer: "ca", subjectAltNames: [], serial: "01",
            notBefore: UTCTimestamp(secondsSinceEpoch: 0), notAfter: UTCTimestamp(secondsSinceEpoch: 1_800_000_000),
            isCA: false, sha256Fingerprint: "00"),
        daysLeft: 100, problem: nil)

    @Test func testEveryServiceState_hasExactlyOneSampleAtOne() {
        let families = Self.families(MetricsInput(status: Self.report, collectedAt: 0, now: 0))
        let states = families["aegis_service_state"]!.samples
        #expect(states.count == 2 * ServiceStateName.allCases.count)
        for service in ["postgres-ai", "redis"] {
            let ones = states.filter { $0.labels.first?.value == service && $0.value == 1 }
            #expect(ones.count == 1)
        }
    }

    @Test func testNeverBackedUp_timestampsAreAbsentNotZero() {
        let families = Self.families(MetricsInput(status: Self.report, collectedAt: 0, now: 0))
        for name in [
            "aegis_backup_last_success_timestamp_seconds", "aegis_backup_last_failure_timestamp_seconds",
            "aegis_backup_drill_last_success_timestamp_seconds",
        ] {
            #expect(families[name]!.samples.allSatisfy { $0.labels != [MetricLabel("service", "redis")] })
            #expect(families[name]!.samples.count == 1)
        }
    }

    @Test func testWithoutProcessLogsOrCertificates_thoseFamiliesAreEmptyOrAbsent() {
        var report = Self.report
        report.logs = nil
        let families = Self.families(MetricsInput(status: report, collectedAt: 0, now: 0))
        #expect(families["process_cpu_seconds_total"] == nil)
        #expect(families["aegis_log_lines_read_total"] == nil)
        #expect(families["aegis_certificate_expiry_timestamp_seconds"]!.samples.isEmpty)
        #expect(families["aegis_backup_schedule_period_seconds"]!.samples.isEmpty)
    }

    @Test func testCertificateThatCannotBeRead_isLeftOut() {
        var unreadable = Self.certificate
        unreadable.info = nil
        let families = Self.families(MetricsInput(status: Self.report, certificates: [unreadable], collectedAt: 0, now: 0))
        #expect(families["aegis_certificate_expiry_timestamp_seconds"]!.samples.isEmpty)
    }

    @Test func testCountersEndInTotal_andNamesFollowPrometheusRules() {
        let input = MetricsInput(
            status: Self.report, certificates: [Self.certificate],
            process: ProcessFigures(
                residentMemoryBytes: 1, virtualMemoryBytes: 2, cpuSeconds: 3, openFileDescriptors: 4, maxFileDescriptors: 5,
                startTimeSeconds: 6), collectedAt: 0, now: 0)
        for family in MetricsMapping.families(input) {
            #expect((family.kind == .counter) == family.name.hasSuffix("_total"), "\(family.name)")
            #expect((family.kind == .info) == family.name.hasSuffix("_info"), "\(family.name)")
            #expect(family.name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }, "\(family.name)")
        }
    }
}

@Suite struct MetricsServiceProcessTests {
    @Test func testHistogram_isCumulative_withInfSumAndCount() {
        var histogram = DurationHistogram(bounds: [0.01, 0.1, 1])
        for seconds in [0.005, 0.05, 0.05, 2] { histogram.observe(seconds) }
        #expect(histogram.cumulativeCounts == [1, 3, 3])
        #expect(histogram.count == 4 && histogram.sum == 2.105)
        var input = MetricsInput(status: MetricsMappingTests.report, collectedAt: 0, now: 0)
        input.healthCheckDurations = ["redis": histogram]
        input.serviceStartTimes = ["postgres-ai": 1_700_000_123]
        let text = MetricsExposition.render(MetricsMapping.families(input), format: .prometheusText)
        #expect(text.contains("""
            # TYPE aegis_health_check_duration_seconds histogram
            aegis_health_check_duration_seconds_bucket{service="redis",le="0.01"} 1
            aegis_health_check_duration_seconds_bucket{service="redis",le="0.1"} 3
            aegis_health_check_duration_seconds_bucket{service="redis",le="1"} 3
            aegis_health_check_duration_seconds_bucket{service="redis",le="+Inf"} 4
            aegis_health_check_duration_seconds_sum{service="redis"} 2.105
            aegis_health_check_duration_seconds_count{service="redis"} 4

            """))
        #expect(text.contains("aegis_service_start_time_seconds{service=\"postgres-ai\"} 1700000123\n"))
        #expect(!text.contains("aegis_service_start_time_seconds{service=\"redis\"}"))
    }

    @Test func testBackupDurationAndSize_onlyForASuccess() {
        var report = MetricsMappingTests.report
        report.backups![0].lastDurationSeconds = 12
        report.backups![0].lastSizeBytes = 4096
        let families = MetricsMappingTests.families(MetricsInput(status: report, collectedAt: 0, now: 0))
        #expect(MetricsMappingTests.value(families, "aegis_backup_last_duration_seconds", ["service": "postgres-ai"]) == 12)
        #expect(MetricsMappingTests.value(families, "aegis_backup_last_size_bytes", ["service": "postgres-ai"]) == 4096)
        #expect(families["aegis_backup_last_size_bytes"]!.samples.count == 1)
    }
}
