import Foundation
@testable import AegisCore
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

    /// A failed drill alerts at once, until a later drill passes.
    @Test func testDrillFailure_firesUntilALaterDrillPasses() {
        func evaluate(_ backup: BackupStatus) -> [AlertCondition] {
            AlertEvaluator.conditions(Self.input([], at: 10_100, backups: [backup]))
        }
        var backup = BackupStatus(service: "postgres-ai", lastVerifiedAt: UTCTimestamp(secondsSinceEpoch: 9_000))
        #expect(evaluate(backup).isEmpty)
        backup.lastDrillFailureAt = UTCTimestamp(secondsSinceEpoch: 10_000)
        backup.lastDrillError = "public.models: 5 rows, manifest says 300"
        let failed = evaluate(backup)
        #expect(failed.map(\.kind) == [.backupDrillFailed])
        #expect(failed.first?.summary.contains("public.models: 5 rows") == true)
        #expect(backup.warning?.contains("last restore drill failed") == true)
        // aegisd clears the failure when a later drill passes: one left in the same second
        // as the last pass is the newer.
        backup.lastVerifiedAt = UTCTimestamp(secondsSinceEpoch: 10_000)
        #expect(evaluate(backup).map(\.kind) == [.backupDrillFailed])
        backup.lastDrillFailureAt = nil
        #expect(evaluate(backup).isEmpty)
        #expect(backup.warning == nil)
        let neverPassed = BackupStatus(service: "redis")
        var failedOnly = neverPassed
        failedOnly.lastDrillFailureAt = UTCTimestamp(secondsSinceEpoch: 10_000)
        #expect(evaluate(failedOnly).map(\.kind) == [.backupDrillFailed])
    }

    /// The off-host copy's age against the backup schedule, only where copies are on.
    @Test func testOffsiteCopyConditions() {
        let period: Int64 = 3_600
        func evaluate(_ offsite: OffsiteStatus?, now: Double, uptime: Double = 100) -> [AlertCondition] {
            let success = UTCTimestamp(secondsSinceEpoch: Int64(now) - 10)
            var backup = BackupStatus(service: "redis", lastSuccessAt: success, lastVerifiedAt: success)
            backup.offsite = offsite
            var input = Self.input([], at: now, uptime: uptime, backups: [backup])
            input.backupPeriodSeconds = [backup.service: period]
            return AlertEvaluator.conditions(input)
        }
        #expect(evaluate(nil, now: 100_000, uptime: 50_000).isEmpty, "copies off: no alert")
        let copied = OffsiteStatus(lastSuccessAt: UTCTimestamp(secondsSinceEpoch: 100_000), pending: 0)
        #expect(evaluate(copied, now: 100_000 + 5_400).isEmpty)
        var late = copied
        late.pending = 2
        late.lastError = "connect: connection refused"
        let fired = evaluate(late, now: 100_000 + 5_401)
        #expect(fired.map(\.kind) == [.backupOffsiteStale])
        #expect(fired.first?.summary.contains("last upload error: connect: connection refused") == true, "\(fired)")
        let none = OffsiteStatus(pending: 1)
        #expect(evaluate(none, now: 10_000, uptime: 5_400).isEmpty)
        #expect(evaluate(none, now: 10_000, uptime: 5_401).map(\.kind) == [.backupOffsiteStale])
    }

    /// The three replication rules, from what status says of each side.
    @Test func testReplicationConditions() {
        func standby(streaming: Bool?, seeding: String? = nil, lagBytes: Int64? = nil, lagSeconds: Double? = nil) -> ServiceStatus {
            var service = Self.service("postgres-ai", .running, healthy: true)
            service.role = "standby"
            service.replication = ReplicationStatus(streaming: streaming, seeding: seeding, error: streaming == false ? "connection refused" : nil)
            service.replicationLagBytes = lagBytes
            service.replicationLagSeconds = lagSeconds
            return service
        }
        func kinds(_ services: [ServiceStatus]) -> [AlertCondition] { AlertEvaluator.conditions(Self.input(services, at: 0)) }
        #expect(kinds([standby(streaming: true, lagBytes: 1 << 20, lagSeconds: 2)]).isEmpty)
        let away = kinds([standby(streaming: false)])
        #expect(away.map(\.kind) == [.replicationStandbyDisconnected])
        #expect(away.first?.summary.contains("connection refused") == true)
        #expect(kinds([standby(streaming: nil, seeding: "copying: 10%")]).isEmpty, "not while it is first copied")
        #expect(kinds([standby(streaming: true, lagBytes: 300 << 20)]).map(\.kind) == [.replicationLagHigh])
        #expect(kinds([standby(streaming: true, lagBytes: 0, lagSeconds: 301)]).map(\.kind) == [.replicationLagHigh])
        var primary = Self.service("postgres-ai", .running, healthy: true)
        primary.role = "primary"
        primary.replication = ReplicationStatus(standbys: [], slots: [
            ReplicationSlotStatus(name: "standby_b", active: false, walStatus: "lost", retainedBytes: nil),
            ReplicationSlotStatus(name: "standby_c", active: true, walStatus: "reserved", retainedBytes: 1),
        ])
        #expect(kinds([primary]).map(\.key) == ["AegisReplicationSlotLost/postgres-ai/standby_b"])
        #expect(AlertKind.replicationStandbyDisconnected.holdSeconds == 120 && AlertKind.replicationLagHigh.holdSeconds == 600)
    }

    /// A standby's replication client certificate fires like the host's own, 14 days before, and
    /// says that only a new bundle of the primary replaces it.
    @Test func testAnExpiringReplicationClientCertificate_saysToApplyANewBundle() {
        func conditions(daysLeft: Double, role: CertificateRole) -> [AlertCondition] {
            var input = Self.input([], at: 1_000_000)
            let notAfter = UTCTimestamp(secondsSinceEpoch: Int64(1_000_000 + daysLeft * 86_400))
            let info = CertificateInfo(
                subject: "aegis_replicator", issuer: "Aegis internal CA", subjectAltNames: [], serial: "0a",
                notBefore: UTCTimestamp(secondsSinceEpoch: 0), notAfter: notAfter, isCA: false, sha256Fingerprint: "")
            input.certificates = [CertificateStatus(
                role: role, certificatePath: "/c.crt", keyPath: "/c.key", info: info, daysLeft: Int(daysLeft), problem: nil)]
            return AlertEvaluator.conditions(input).filter { $0.kind == .certificateExpiring }
        }
        #expect(conditions(daysLeft: 15, role: .replicationClient).isEmpty)
        let firing = conditions(daysLeft: 13.5, role: .replicationClient)
        #expect(firing.map(\.subject) == ["replication-client"])
        #expect(firing.first?.summary.contains("aegisctl replication rejoin --bundle FILE") == true, "\(firing)")
        #expect(conditions(daysLeft: 13.5, role: .server(.redis)).first?.summary.contains("rejoin") == false)
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

    /// As `histogram_quantile(0.9, rate(…[5m])) > 0.5` for 10 minutes: more than one check in ten
    /// over 0.5 s in the last 5 minutes; checks from before the window do not count.
    @Test func testSlowHealthChecks_fireAfterTenMinutes_andResolveWhenTheWindowIsFastAgain() {
        var evaluator = AlertEvaluator()
        var histogram = DurationHistogram()
        func input(at now: Double) -> MetricsInput {
            var input = Self.input([Self.service("redis", .running, healthy: true)], at: now)
            input.healthCheckDurations = ["redis": histogram]
            return input
        }
        for _ in 0..<100 { histogram.observe(0.002) }
        #expect(evaluator.evaluate(input(at: 0)).isEmpty)
        // From now on 2 checks in 10 are slow: the 90th percentile is over 0.5 s.
        var fired: [AlertEvent] = []
        for minute in 1...16 {
            for _ in 0..<8 { histogram.observe(0.003) }
            for _ in 0..<2 { histogram.observe(0.8) }
            fired += evaluator.evaluate(input(at: Double(minute * 60)))
        }
        #expect(fired.map(\.condition.key) == ["AegisHealthCheckSlow/redis"])
        #expect(fired.first?.at == 660)
        #expect(fired.first?.condition.summary.hasPrefix("20% of the health checks of redis") == true)
        // One slow check in twenty: the percentile is under 0.5 s again.
        var resolved: [AlertEvent] = []
        for minute in 17...23 {
            for _ in 0..<19 { histogram.observe(0.003) }
            histogram.observe(0.8)
            resolved += evaluator.evaluate(input(at: Double(minute * 60)))
        }
        #expect(resolved.map(\.state) == [.resolved])
    }

    /// As `predict_linear(avail[6h], 24 * 3600) < 0` for 30 minutes, on one reading a minute.
    @Test func testDiskFillingUp_followsTheTrend_notOneReading() {
        var evaluator = AlertEvaluator()
        func space(_ available: Double, at now: Double) -> [AlertEvent] {
            evaluator.evaluate(Self.input(
                [], at: now, filesystems: [FilesystemFigures(path: "/data", availableBytes: available, sizeBytes: 1e12)]))
        }
        // Steady, with a dip: no alert.
        for minute in 0..<60 { #expect(space(minute == 30 ? 1e9 : 500e9, at: Double(minute * 60)).isEmpty) }
        // Losing 1 GB a minute from 400 GB: full in under 7 hours. Fires after the trend held 30 minutes.
        var fired: [AlertEvent] = []
        var minute = 60
        while fired.isEmpty, minute < 400 {
            fired = space(400e9 - Double(minute - 60) * 1e9, at: Double(minute * 60))
            minute += 1
        }
        #expect(fired.map(\.condition.key) == ["AegisDiskFillingUp//data"])
        #expect(fired.first?.condition.summary.contains("predicted full within 24 hours") == true)
        // The least-squares line of predict_linear, on an exact line and a noisy one.
        #expect(AlertTrends.linearPrediction([(0, 10), (60, 8), (120, 6)], at: 300) == 0)
        #expect(abs(AlertTrends.linearPrediction([(1.7e9, 1), (1.7e9 + 1, 3), (1.7e9 + 2, 2)], at: 1.7e9 + 4) - 3.5) < 1e-6)
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
