import AegisCore
import AegisSystem
import Foundation
import Testing
import AegisTestSupport

/// `aegisctl maintenance` and `aegisctl stats` against the real servers (issue #4).
@Suite(.serialized) struct MaintenanceStatsTests {
    @Test func testMaintenanceJobs_runOnDemand_andTheirOutcomeIsInStatus() async throws {
        let daemon = try await DaemonHarness()
        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        let list = try daemon.aegisctl("maintenance list --json")
        #expect(list.status == 0, "\(list.output)")
        let jobs = try JSONDecoder().decode([MaintenanceJobStatus].self, from: Data(list.output.utf8))
        #expect(Set(jobs.map(\.name)) == [
            "vacuum-postgres-backend", "vacuum-postgres-ai", "vacuum-postgres-executor", "archive-postgres-backend",
            "archive-postgres-ai", "archive-postgres-executor", "redis-bgsave",
        ])
        #expect(jobs.allSatisfy { $0.lastRun == nil })

        _ = try daemon.psql(.executor, """
            INSERT INTO action_audit_logs (action_type, status, namespace, resource_name, action_params, created_at)
            SELECT 'restart', 'success', 'prod', 'api' || g, '{}', now() - g * interval '50 days' FROM generate_series(1, 4) g
            """)
        let archive = try daemon.aegisctl("maintenance run archive-postgres-executor --json")
        #expect(archive.status == 0, "\(archive.output)")
        #expect(archive.output.contains("archived 3 rows"), "\(archive.output)")  // 100, 150 and 200 days old
        #expect(try daemon.psql(.executor, "SELECT count(*) FROM action_audit_logs_archive") == "3")

        let vacuum = try daemon.aegisctl("maintenance run vacuum-postgres-ai")
        #expect(vacuum.status == 0, "\(vacuum.output)")
        #expect(try daemon.superuserSQL(
            .ai, "SELECT count(*) FROM pg_stat_user_tables WHERE last_vacuum IS NOT NULL AND last_analyze IS NOT NULL",
            database: "aegis_ai") != "0")

        func saves() throws -> String? {
            try daemon.redis("INFO persistence").split(whereSeparator: \.isNewline).first { $0.hasPrefix("rdb_saves:") }.map(String.init)
        }
        let lastSaves = try #require(try saves())
        let bgsave = try daemon.aegisctl("maintenance run redis-bgsave")
        #expect(bgsave.status == 0, "\(bgsave.output)")
        try await Poll.until("Redis saved", timeout: .seconds(30)) {
            try saves() != lastSaves
        }

        let unknown = try daemon.aegisctl("maintenance run vacuum-everything")
        #expect(unknown.status == 1 && unknown.output.contains("no maintenance job named"), "\(unknown.output)")

        let status = try daemon.status()
        let outcomes = Dictionary(uniqueKeysWithValues: (status.maintenance ?? []).map { ($0.name, $0.lastRun) })
        #expect(outcomes["archive-postgres-executor"]??.ok == true)
        #expect(outcomes["vacuum-postgres-ai"]??.ok == true)
        #expect(outcomes["redis-bgsave"]??.ok == true)
        #expect(outcomes["vacuum-postgres-backend"]! == nil)
        #expect(try await daemon.terminate() == 0)
    }

    @Test func testMaintenanceJobs_joinTheBackupJobs_onTheOneScheduler_andEmptySchedulesStayOnDemand() async throws {
        let daemon = try await DaemonHarness {
            $0.backup.encryption = "none"
            $0.maintenance.redisBgsaveSchedule = ""
            $0.maintenance.archiveSchedule = "15 4 * * *"
        }
        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        try await Poll.until("the schedule in the log", timeout: .seconds(30)) { daemon.log.contains("schedule: maintenance:archive-postgres-ai") }
        let log = daemon.log
        #expect(log.contains("schedule: backup: 0 2 * * *"))
        #expect(log.contains("schedule: maintenance:vacuum-postgres-backend: 0 3 * * 0"))
        #expect(log.contains("schedule: maintenance:archive-postgres-executor: 15 4 * * *"))
        #expect(!log.contains("schedule: maintenance:redis-bgsave"))
        // On demand only, but still a job.
        #expect(try daemon.aegisctl("maintenance run redis-bgsave").status == 0)
        #expect(try await daemon.terminate() == 0)
    }

    @Test func testStats_showRealNumbersAfterInserts() async throws {
        let daemon = try await DaemonHarness()
        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        _ = try daemon.psql(.ai, "INSERT INTO model_metrics (model_type, model_version, metric_name, metric_value) SELECT 'anomaly', 'v1', 'f1', g FROM generate_series(1, 250) g")
        _ = try daemon.redis("SET ai:model v7", as: .ai)
        _ = try daemon.redis("SET ai:other v8", as: .ai)

        let result = try daemon.aegisctl("stats --json")
        #expect(result.status == 0, "\(result.output)")
        let stats = try JSONDecoder().decode([ServiceStats].self, from: Data(result.output.utf8))
        let ai = try #require(stats.first { $0.service == "postgres-ai" }?.postgres)
        #expect(ai.database == "aegis_ai")
        let expectedSize = try daemon.superuserSQL(.ai, "SELECT pg_database_size('aegis_ai')")
        // The size is PostgreSQL's own figure (it may grow between the two reads, never by much).
        #expect(ai.sizeBytes > 0 && abs(ai.sizeBytes - Int64(expectedSize)!) < 1 << 20)
        #expect(ai.connections >= 1)
        let metrics = try #require(ai.tables.first { $0.table == "model_metrics" })
        #expect(metrics.inserted == 250 && metrics.schema == "public")
        #expect(ai.tables.first?.table == "model_metrics", "the busiest table comes first")

        let redis = try #require(stats.first { $0.service == "redis" }?.redis)
        #expect(redis.keys == 2)
        #expect(redis.usedMemoryBytes > 0 && redis.clients >= 1)

        let loki = try #require(stats.first { $0.service == "loki" })
        // Ready exactly when the supervisor finds Loki healthy (it is unavailable where not installed).
        #expect(loki.loki?.ready == (try daemon.service(.loki).healthy))
        #expect(loki.loki?.detail.isEmpty == false)

        let one = try daemon.aegisctl("stats postgres-ai")
        #expect(one.status == 0 && one.output.contains("aegis_ai") && one.output.contains("model_metrics"), "\(one.output)")
        #expect(!one.output.contains("redis"))
        #expect(try await daemon.terminate() == 0)
    }

}
