import AegisCore
import AegisSystem
import Foundation
import Glibc
import Testing
import AegisTestSupport

/// The real aegisd with real PostgreSQL ×3 and Redis. Serialized: each test runs five servers,
/// and the machine has two cores.
@Suite(.serialized) struct SupervisionTests {
    @Test func testStart_everyServiceHealthy_readyAndStatusOnNotifySocket_rolesUsable() async throws {
        let daemon = try await DaemonHarness()
        // As systemd would set it for WatchdogSec=1: pings every half interval.
        try daemon.start(environment: ["WATCHDOG_USEC": "1000000"])
        let report = try await daemon.waitUntilAllHealthy()
        #expect(report.services.map(\.name) == ServiceID.allCases.map(\.rawValue))
        for service in report.services where service.name != "loki" {
            #expect(service.state == .running, "\(service.name)")
            #expect(service.pid != nil)
            #expect(service.restarts == 0)
        }
        // Loki is not installed here: unavailable, with a message that says how to install it.
        let loki = try daemon.service(.loki)
        if FileSystem.findExecutable("loki") == nil {
            #expect(loki.state == .unavailable)
            #expect(loki.message?.contains("install") == true)
        }
        // READY=1 once everything is healthy, and a STATUS= line.
        try await Poll.until("READY=1") { daemon.notify.assignments.contains("READY=1") }
        #expect(daemon.notify.assignments.contains { $0.hasPrefix("STATUS=4/4 services healthy") })
        try await Poll.until("WATCHDOG=1") { daemon.notify.assignments.contains("WATCHDOG=1") }
        // SIGHUP reloads (here: nothing changed) and does not kill it.
        let before = daemon.notify.assignments.count
        kill(try #require(daemon.process?.processIdentifier), SIGHUP)
        try await Poll.until("the reload's RELOADING=1, then READY=1") {
            let after = daemon.notify.assignments.dropFirst(before)
            guard let reloading = after.firstIndex(of: "RELOADING=1") else { return false }
            return after[reloading...].contains("READY=1")
        }
        #expect(try daemon.service(.redis).healthy)
        // The apps' roles and databases exist and take the password from the secret file.
        for instance in PostgresInstance.allCases {
            #expect(try daemon.psql(instance, "SELECT current_user || '@' || current_database()")
                == "\(instance.defaultRole)@\(instance.defaultDatabase)")
        }
        let secret = try daemon.password(.redis)
        let pong = try DaemonHarness.shell(
            "redis-cli -p \(daemon.config.redis.port) --tls --cacert '\(daemon.root)/certs/ca/ca.crt' --user aegisd PING",
            environment: ["REDISCLI_AUTH": secret])
        #expect(pong == "PONG")
        // Children run as the unprivileged user in process groups of their own.
        for service in report.services {
            guard let pid = service.pid, let entry = ProcessTable.entry(pid) else { continue }
            #expect(entry.processGroup == pid, "\(service.name) leads its own process group")
            if geteuid() == 0 {
                let owner = try DaemonHarness.shell("ps -o user= -p \(pid)")
                #expect(owner == "aegis", "\(service.name) runs as aegis, not root")
            }
        }
        #expect(try await daemon.terminate() == 0)
        #expect(daemon.notify.assignments.contains("STOPPING=1"))
    }

    @Test func testKill9OfEachChild_bringsItBackHealthy_andCountsTheRestart() async throws {
        let daemon = try await DaemonHarness()
        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        for id in [ServiceID.postgresBackend, .postgresAI, .postgresExecutor, .redis] {
            let before = try daemon.service(id)
            let pid = try #require(before.pid)
            kill(pid, SIGKILL)
            try await daemon.waitFor("\(id.rawValue) healthy again", timeout: .seconds(20)) { report in
                let now = report.services.first { $0.name == id.rawValue }!
                return now.healthy && now.pid != pid && now.restarts == before.restarts + 1
            }
        }
        #expect(try daemon.psql(.backend, "SELECT 1") == "1")
        #expect(try await daemon.terminate() == 0)
    }

    @Test func testSigstoppedPostmaster_isDetectedAndRestarted() async throws {
        let daemon = try await DaemonHarness { config in
            config.supervision.failureThreshold = 3
        }
        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        let pid = try #require(try daemon.service(.postgresAI).pid)
        kill(pid, SIGSTOP)
        // interval (200 ms) × threshold (3), plus the restart itself.
        let report = try await daemon.waitFor("postgres-ai restarted", timeout: .seconds(10)) { report in
            let ai = report.services.first { $0.name == "postgres-ai" }!
            return ai.healthy && ai.pid != pid
        }
        #expect(report.services.first { $0.name == "postgres-ai" }!.restarts == 1)
        #expect(!ProcessTable.isAlive(pid), "the hung postmaster was killed, not left behind")
        #expect(daemon.log.contains("no healthy answer to 3 health checks"))
        #expect(try await daemon.terminate() == 0)
    }

    @Test func testServiceThatCannotStart_endsFailedWithoutARestartStorm() async throws {
        let daemon = try await DaemonHarness { config in
            config.redis.binary = "/bin/false"  // starts, and exits 1 at once
            config.supervision.restartMaxFailures = 4
            config.supervision.restartWindowS = 60
        }
        try daemon.start()
        let report = try await daemon.waitFor("redis failed") { report in
            report.services.first { $0.name == "redis" }!.state == .failed
        }
        let redis = report.services.first { $0.name == "redis" }!
        #expect(redis.restarts == 3, "4 failures: the first start and 3 restarts, then no more")
        #expect(redis.message?.contains("aegisctl restart redis") == true)
        // An absence is observed over a while: a restart would come within its backoff, well
        // under a second at these settings.
        try await Task.sleep(for: .seconds(1))
        #expect(try daemon.service(.redis).restarts == 3, "no restart after the breaker opened")
        #expect(try daemon.service(.postgresBackend).healthy, "the others are not affected")
        #expect(try await daemon.terminate() == 0)
    }

    @Test func testSigterm_stopsEveryChildAndExitsZero() async throws {
        let daemon = try await DaemonHarness()
        try daemon.start()
        let report = try await daemon.waitUntilAllHealthy()
        let pids = report.services.compactMap(\.pid)
        #expect(pids.count == 4)
        // A client keeps a connection open: the smart shutdown must not wait for it forever.
        #expect(try await daemon.terminate() == 0)
        for pid in pids { #expect(!ProcessTable.isAlive(pid)) }
        #expect(daemon.ourProcesses().isEmpty, "no process of ours is left")
        #expect(!FileSystem.exists(daemon.config.daemon.socket), "the control socket is removed")
    }

    @Test func testSigkillOfAegisd_nextStartStopsTheLeftovers_noDuplicatePostmaster_dataKept() async throws {
        let daemon = try await DaemonHarness()
        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        try daemon.ownerSQL(.executor, "CREATE TABLE kept(x int); INSERT INTO kept VALUES (1), (2), (3)", granting: ["kept"])
        let oldPids = try daemon.status().services.compactMap(\.pid)
        try await daemon.killDaemon()
        for pid in oldPids { #expect(ProcessTable.isAlive(pid), "children outlive a SIGKILLed aegisd") }

        try daemon.start()
        let report = try await daemon.waitUntilAllHealthy()
        for pid in oldPids { #expect(!ProcessTable.isAlive(pid), "leftover \(pid) was stopped") }
        let postmasters = daemon.ourProcesses().filter { pid in
            ProcessTable.commandLine(pid).first?.hasSuffix("/postgres") == true
                && ProcessTable.entry(pid)?.processGroup == pid
        }
        #expect(postmasters.count == 3, "exactly one postmaster per data directory")
        #expect(Set(postmasters) == Set(report.services.filter { $0.name.hasPrefix("postgres") }.compactMap(\.pid)))
        #expect(try daemon.psql(.executor, "SELECT count(*) FROM kept") == "3")
        #expect(try await daemon.terminate() == 0)
    }

    @Test func testOperatorStopStartRestart_throughAegisctl() async throws {
        let daemon = try await DaemonHarness()
        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        let ctl = "\(DaemonHarness.aegisctl) --config \(daemon.configPath)"
        let stopped = try DaemonHarness.shell("\(ctl) stop redis")
        #expect(stopped.contains("redis is stopped"))
        #expect(try daemon.service(.redis).state == .stopped)
        #expect(try daemon.service(.redis).pid == nil)
        _ = try DaemonHarness.shell("\(ctl) start redis")
        #expect(try daemon.service(.redis).healthy)
        let pid = try daemon.service(.postgresAI).pid
        _ = try DaemonHarness.shell("\(ctl) restart postgres-ai")
        let ai = try daemon.service(.postgresAI)
        #expect(ai.healthy && ai.pid != pid && ai.restarts == 1)
        let json = try DaemonHarness.shell("\(ctl) status --json")
        let decoded = try JSONDecoder().decode(StatusReport.self, from: Data(json.utf8))
        #expect(decoded.services.count == 5)
        #expect(json.contains("\"pid\" : null") || json.contains("\"pid\":null"), "loki's pid is null, not absent")
        #expect(throws: TestFailure.self) { try DaemonHarness.shell("\(ctl) restart no-such-service") }
        #expect(try await daemon.terminate() == 0)
    }

    @Test func testFirstStart_runsInitdbForEachInstance() async throws {
        let daemon = try await DaemonHarness(withClusters: false)
        try daemon.start()
        try await daemon.waitUntilAllHealthy(timeout: .seconds(120))
        #expect(daemon.notify.assignments.contains { $0.hasPrefix("EXTEND_TIMEOUT_USEC=") },
                "initdb asks systemd for more start time")
        for instance in PostgresInstance.allCases {
            let dataDir = "\(daemon.root)/data/\(instance.serviceID.rawValue)"
            #expect(FileSystem.exists("\(dataDir)/PG_VERSION"))
            // Data checksums were asked of initdb.
            #expect(try daemon.psql(instance, "SHOW data_checksums") == "on")
        }
        #expect(try await daemon.terminate() == 0)
    }

    @Test func testStopOfPostgres_isASmartShutdown_notHeldBackByAegisdsKeptHealthConnection() async throws {
        let daemon = try await DaemonHarness()
        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        try await Poll.until("aegisd's health check session, kept between checks") {
            (try? daemon.superuserSQL(.ai, "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'aegisd-health'")) == "1"
        }
        let stop = try daemon.aegisctl("stop postgres-ai")
        #expect(stop.status == 0, "\(stop.output)")
        try await daemon.waitFor("postgres-ai stopped") { report in
            report.services.first { $0.name == "postgres-ai" }!.state == .stopped
        }
        // A smart shutdown waits for every session; had aegisd's stayed open, the stop plan's
        // next rung (SIGINT, a fast shutdown) would have come 5 s later.
        let log = try daemon.aegisctl("logs postgres-ai -n 100").output
        #expect(log.contains("received smart shutdown request"), "\(log)")
        #expect(!log.contains("received fast shutdown request"), "\(log)")
        #expect(try await daemon.terminate() == 0)
    }
}
