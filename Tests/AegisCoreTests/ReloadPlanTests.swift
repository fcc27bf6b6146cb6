import Testing

@testable import AegisCore

/// Which services a reload touches: only those whose launch settings changed.
@Suite struct ReloadPlanTests {
    let base = AegisConfig.defaults(stateDir: "/var/lib/aegis")

    func plan(_ change: (inout AegisConfig) -> Void) -> ReloadPlan {
        var new = base
        change(&new)
        return ReloadPlan(old: base, new: new)
    }

    @Test func testNothingChanged_isEmpty() {
        #expect(plan { _ in }.isEmpty)
        #expect(plan { _ in }.summary == "nothing changed")
    }

    @Test func testMaintenanceSchedules_replaceTheSchedule_withoutRestartingAnything() {
        let result = plan { $0.maintenance.archiveAfterDays = 30 }
        #expect(result.maintenanceChanged && !result.backupChanged)
        #expect(result.restart.isEmpty && !result.isEmpty)
        #expect(result.summary == "new maintenance schedules")
    }

    @Test func testMetrics_listenerNeedsARestartOfAegisd_collectionIntervalIsApplied() {
        #expect(plan { $0.metrics.port = 9100 }.needsDaemonRestart == ["metrics.port"])
        #expect(plan { $0.metrics.listen = "0.0.0.0" }.needsDaemonRestart == ["metrics.listen"])
        let interval = plan { $0.metrics.collectIntervalS = 60 }
        #expect(interval.needsDaemonRestart.isEmpty && interval.restart.isEmpty && !interval.isEmpty)
        #expect(interval.summary == "new metrics.collect_interval_s")
    }

    @Test func testOneInstancesTuning_restartsOnlyThatInstance() {
        let result = plan { $0.postgres.instances[.ai]!.workMem = "64MB" }
        #expect(result.restart == [.postgresAI])
        #expect(result.start.isEmpty && result.stop.isEmpty && !result.backupChanged)
    }

    @Test func testBinDir_restartsEveryPostgres_redisSettingsRestartRedis() {
        #expect(plan { $0.postgres.binDir = "/opt/pg/bin" }.restart == [.postgresBackend, .postgresAI, .postgresExecutor])
        #expect(plan { $0.redis.maxmemory = "1gb" }.restart == [.redis])
        #expect(plan { $0.loki.retentionDays = 30 }.restart == [.loki])
    }

    @Test func testEnablingAndDisabling_startAndStop() {
        let result = plan {
            $0.redis.enabled = false
            $0.postgres.instances[.executor]!.enabled = false
        }
        #expect(result.stop == [.postgresExecutor, .redis])
        var disabled = base
        disabled.loki.enabled = false
        #expect(ReloadPlan(old: disabled, new: base).start == [.loki])
    }

    @Test func testBackupSettings_touchNoService() {
        let result = plan { $0.backup.schedule = "0 3 * * *" }
        #expect(result.backupChanged && result.restart.isEmpty)
    }

    @Test(arguments: ["aegisd.state_dir", "aegisd.socket", "aegisd.user", "[supervision]"])
    func testDaemonKeys_refuseTheReload(key: String) {
        let result = plan { config in
            switch key {
            case "aegisd.state_dir": config.daemon.stateDir = "/srv/aegis"
            case "aegisd.socket": config.daemon.socket = "/run/other.sock"
            case "aegisd.user": config.daemon.user = "postgres"
            default: config.supervision.failureThreshold = 9
            }
        }
        #expect(result.needsDaemonRestart == [key])
        #expect(result.summary.hasPrefix("refused: \(key) cannot change while aegisd runs"))
    }
}
