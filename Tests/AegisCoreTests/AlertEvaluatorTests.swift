import Foundation
import AegisCore
import Testing

/// aegisd's own alerts: conditions, holds, windows, firing and resolving.
@Suite struct AlertEvaluatorTests {
    static func input(
        _ services: [ServiceStatus], at now: Double, uptime: Double = 10_000, backups: [BackupStatus] = [],
        logs: LogsStatus? = nil, filesystems: [FilesystemFigures] = [], databases: [DatabaseFigures] = []
    ) -> MetricsInput {
        var report = StatusReport(
            daemon: DaemonStatus(version: "1", pid: 1, uptimeSeconds: uptime, ready: true), services: services,
            backups: backups)
        report.logs = logs
        report.filesystems = filesystems
        return MetricsInput(status: report, databases: databases, collectedAt: now, now: now)
    }

    static func service(_ name: String, _ state: ServiceStateName, healthy: Bool = false, restarts: Int = 0) -> ServiceStatus {
        ServiceStatus(name: name, state: state, healthy: healthy, pid: state == .running ? 10 : nil, restarts: restarts)
    }

    @Test func testFailedService_firesAtOnce_andResolvesWhenRunning() {
        var evaluator = AlertEvaluator()
        let fired = evaluator.evaluate(Self.input([Self.service("redis", .failed)], at: 100))
        #expect(fired.map(\.state) == [.firing])
        #expect(fired.first?.condition.kind == .serviceFailed && fired.first?.condition.subject == "redis")
        #expect(evaluator.evaluate(Self.input([Self.service("redis", .failed)], at: 101)).isEmpty)
        let resolved = evaluator.evaluate(Self.input([Self.service("redis", .running, healthy: true)], at: 102))
        #expect(resolved.map(\.state) == [.resolved])
        #expect(evaluator.active.isEmpty)
    }

    @Test func testUnhealthyService_firesOnlyAfterTwoMinutes_andNotWhenStoppedByTheOperator() {
        var evaluator = AlertEvaluator()
        let down = [Self.service("postgres-ai", .backoff), Self.service("redis", .stopped)]
        #expect(evaluator.evaluate(Self.input(down, at: 0)).isEmpty)
        #expect(evaluator.evaluate(Self.input(down, at: 119)).isEmpty)
        let fired = evaluator.evaluate(Self.input(down, at: 120))
        #expect(fired.map(\.condition.key) == ["AegisServiceDown/postgres-ai"])
        // Healthy for one evaluation: the hold starts over.
        var evaluator2 = AlertEvaluator()
        _ = evaluator2.evaluate(Self.input(down, at: 0))
        _ = evaluator2.evaluate(Self.input([Self.service("postgres-ai", .running, healthy: true)], at: 60))
        #expect(evaluator2.evaluate(Self.input(down, at: 150)).isEmpty)
    }

    @Test func testRestartStorm_overFifteenMinutes() {
        var evaluator = AlertEvaluator()
        #expect(evaluator.evaluate(Self.input([Self.service("redis", .running, healthy: true, restarts: 0)], at: 0)).isEmpty)
        #expect(evaluator.evaluate(Self.input([Self.service("redis", .running, healthy: true, restarts: 3)], at: 300)).isEmpty)
        let fired = evaluator.evaluate(Self.input([Self.service("redis", .running, healthy: true, restarts: 4)], at: 600))
        #expect(fired.map(\.condition.kind) == [.restartStorm])
        // Once the restarts fall out of the window, it resolves.
        let later = evaluator.evaluate(Self.input([Self.service("redis", .running, healthy: true, restarts: 4)], at: 1_600))
        #expect(later.map(\.state) == [.resolved])
    }

    @Test func testBackupConditions() {
        let period: Int64 = 3_600
        func evaluate(_ backup: BackupStatus, now: Double, uptime: Double = 100) -> [AlertKind] {
            var input = Self.input([], at: now, uptime: uptime, backups: [backup])
            input.backupPeriodSeconds = [backup.service: period]
            input.drillPeriodSeconds = [backup.service: period]
            return AlertEvaluator.conditions(input).map(\.kind)
        }
        let success = UTCTimestamp(secondsSinceEpoch: 10_000)
        let fresh = BackupStatus(service: "redis", lastSuccessAt: success, lastVerifiedAt: success)
        #expect(evaluate(fresh, now: 10_100).isEmpty)
        #expect(evaluate(fresh, now: 10_000 + 5_401) == [.backupMissing, .backupDrillStale])
        var failed = fresh
        failed.lastFailureAt = UTCTimestamp(secondsSinceEpoch: 10_050)
        #expect(evaluate(failed, now: 10_100) == [.backupFailed])
        failed.lastFailureAt = UTCTimestamp(secondsSinceEpoch: 9_000)
        #expect(evaluate(failed, now: 10_100).isEmpty)
        let never = BackupStatus(service: "redis")
        #expect(evaluate(never, now: 10_000, uptime: 5_000).isEmpty)
        #expect(evaluate(never, now: 10_000, uptime: 5_401) == [.backupMissing, .backupDrillStale])
    }

    @Test func testDiskDatabasesAndLogs() {
        let postgres = PostgresFigures(
            database: "d", databaseSizeBytes: 1, connectionsByState: ["active": 50, "idle": 45], maxConnections: 100, commits: 0,
            rollbacks: 0, deadlocks: 0, conflicts: 0, tempBytes: 0, oldestXidAge: 1_500_000_000, longestTransactionSeconds: 0,
            checkpointsTimed: 0, checkpointsRequested: 0, walBytes: 0, archivedCount: 0, archiveFailedCount: 0,
            lastArchivedAt: nil, replicas: 0)
        let redis = RedisFigures(
            usedMemoryBytes: 95, maxMemoryBytes: 100, connectedClients: 1, blockedClients: 0, keysByDatabase: [:], expiredKeys: 0,
            evictedKeys: 0, rejectedConnections: 0, commandsProcessed: 0, rdbLastSaveAt: 0, rdbLastSaveSucceeded: true,
            aofEnabled: true, aofLastWriteSucceeded: false)
        let input = Self.input(
            [], at: 0,
            filesystems: [
                FilesystemFigures(path: "/data", availableBytes: 5, sizeBytes: 100),
                FilesystemFigures(path: "/backups", availableBytes: 50, sizeBytes: 100),
            ],
            databases: [
                DatabaseFigures(service: "postgres-ai", attemptedAt: 0, durationSeconds: 0, collectedAt: 0, postgres: postgres),
                DatabaseFigures(service: "redis", attemptedAt: 0, durationSeconds: 0, collectedAt: 0, redis: redis)
                    .failed("timeout", at: 1, durationSeconds: 5),
            ])
        #expect(AlertEvaluator.conditions(input).map(\.key) == [
            "AegisDiskSpaceLow//data", "AegisPostgresXidAgeHigh/postgres-ai", "AegisPostgresConnectionsNearMax/postgres-ai",
            "AegisDatabaseFiguresFailing/redis", "AegisRedisMemoryNearMax/redis", "AegisRedisPersistenceFailing/redis",
        ])
        var logs = LogsStatus(linesDropped: 0)
        var evaluator = AlertEvaluator()
        #expect(evaluator.evaluate(Self.input([], at: 0, logs: logs)).isEmpty)
        logs.linesDropped = 3
        #expect(evaluator.evaluate(Self.input([], at: 60, logs: logs)).map(\.condition.kind) == [.logLinesDropped])
        #expect(evaluator.evaluate(Self.input([], at: 700, logs: logs)).map(\.state) == [.resolved])
    }

    /// Every kind has a distinct 128-bit MESSAGE_ID, its name is a rule of the shipped rules
    /// file, and the catalog explains it.
    @Test func testMessageIDs_areDistinct_andEveryKindIsInTheRulesAndTheCatalog() throws {
        let ids = AlertKind.allCases.map(\.messageID)
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { $0.count == 32 && $0.allSatisfy(\.isHexDigit) })
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let rules = try String(contentsOf: root.appendingPathComponent("config/prometheus/aegisd-alerts.yml"), encoding: .utf8)
        let catalog = try String(contentsOf: root.appendingPathComponent("systemd/aegisd.catalog"), encoding: .utf8)
        for kind in AlertKind.allCases {
            #expect(rules.contains("- alert: \(kind.rawValue)\n"), "\(kind.rawValue) is not in the rules")
            #expect(catalog.contains("-- \(kind.messageID)\n"), "\(kind.rawValue) is not in the catalog")
        }
    }
}
