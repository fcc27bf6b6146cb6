import AegisCore
import Testing

@Suite struct MaintenanceJobTests {
    @Test func testDefaults_weeklyVacuumDailyArchiveAt90Days_andBGSAVE() throws {
        let jobs = MaintenanceJob.all(for: .defaults())
        #expect(jobs.map(\.name) == [
            "vacuum-postgres-backend", "vacuum-postgres-ai", "vacuum-postgres-executor",
            "archive-postgres-backend", "archive-postgres-ai", "archive-postgres-executor", "redis-bgsave",
        ])
        let vacuum = try CronExpression(jobs[0].schedule)
        let archive = try CronExpression(jobs[3].schedule)
        #expect(vacuum == (try CronExpression("0 3 * * 0")))
        #expect(archive == (try CronExpression("30 3 * * *")))
        #expect(jobs[4].work == .archive(.ai, days: 90))
        #expect(jobs[6].work == .redisSnapshot)
    }

    @Test func testDisabledServices_haveNoJobs() {
        var config = AegisConfig.defaults()
        config.postgres.instances[.ai]!.enabled = false
        config.redis.enabled = false
        let names = MaintenanceJob.all(for: config).map(\.name)
        #expect(!names.contains { $0.hasSuffix("postgres-ai") })
        #expect(!names.contains("redis-bgsave"))
        #expect(names.count == 4)
    }

    @Test func testArchiveFunctions_areTheSeeds() {
        #expect(MaintenanceJob.archiveFunction(.ai) == "archive_old_predictions")
        #expect(MaintenanceJob.archiveFunction(.executor) == "archive_old_audit_logs")
        #expect(MaintenanceJob.archiveFunction(.backend) == "archive_old_policy_audit_logs")
        // Each function is created by its database's migrations.
        for instance in PostgresInstance.allCases {
            let sql = MigrationCatalog.migrations(for: instance).map(\.sql).joined()
            #expect(sql.contains("CREATE FUNCTION \(MaintenanceJob.archiveFunction(instance))(days integer)"))
        }
    }

    @Test func testAFailedJob_isAWarningInTheSummary_aSucceededOneIsNot() {
        var report = StatusReport(
            daemon: DaemonStatus(version: "1", pid: 1, uptimeSeconds: 1, ready: true),
            services: [ServiceStatus(name: "redis", state: .running, healthy: true, pid: 2, restarts: 0)])
        let run = { (ok: Bool) in
            MaintenanceJobStatus.LastRun(startedAt: UTCTimestamp(secondsSinceEpoch: 0), durationSeconds: 1, ok: ok, message: "")
        }
        report.maintenance = [
            MaintenanceJobStatus(name: "redis-bgsave", service: "redis", description: "", schedule: "", lastRun: run(false)),
            MaintenanceJobStatus(name: "vacuum-postgres-ai", service: "postgres-ai", description: "", schedule: "", lastRun: run(true)),
        ]
        #expect(report.summary == "1/1 services healthy; warning: maintenance redis-bgsave failed")
    }

    @Test func testBadMaintenanceSettings_areNamed() {
        var config = AegisConfig.defaults()
        config.maintenance.vacuumSchedule = "61 * * * *"
        config.maintenance.archiveAfterDays = 0
        config.maintenance.redisBgsaveSchedule = ""
        let paths = ConfigValidator.validate(config).map(\.path)
        #expect(paths.contains("maintenance.vacuum_schedule"))
        #expect(paths.contains("maintenance.archive_after_days"))
        #expect(!paths.contains("maintenance.redis_bgsave_schedule"), "empty means on demand only")
    }
}
