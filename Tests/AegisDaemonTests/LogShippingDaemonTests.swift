import AegisCore
import AegisSystem
import Foundation
import Glibc
import Testing
import AegisTestSupport

/// The real aegisd with real PostgreSQL and Redis, shipping their lines to `LokiStandIn`.
@Suite(.serialized) struct LogShippingDaemonTests {
    @Test func testChildrensLines_reachLoki_withLabels_andCountersAppearInStatus() async throws {
        let loki = try LokiStandIn()
        let daemon = try await DaemonHarness { config in
            config.logs.lokiURL = loki.url
            config.logs.batchMaxWaitMs = 100
        }
        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        try await Poll.until("PostgreSQL's ready line in Loki", timeout: .seconds(20)) {
            loki.lines(matching: ["job": "aegisd", "service": "postgres-backend", "level": "info"]).joined().contains {
                $0.contains("database system is ready to accept connections")
            }
        }
        let redis = loki.streams.keys.filter { $0["service"] == "redis" }
        #expect(!redis.isEmpty)
        #expect(redis.allSatisfy { $0["host"] != nil && $0["job"] == "aegisd" && $0["level"] != nil })

        // The stand-in stores a push before it answers: the shipped count follows a moment later.
        try await Poll.until("a shipped count in status") { ((try? daemon.status())?.logs?.linesShipped ?? 0) > 0 }
        let report = try daemon.status()
        let logs = try #require(report.logs)
        #expect(logs.shipping && logs.lokiURL == loki.url)
        #expect(logs.linesRead >= logs.linesShipped && logs.linesShipped > 0)
        #expect(logs.linesDropped == 0)
        let human = try daemon.aegisctl("status")
        #expect(human.output.contains("logs: ") && human.output.contains(" shipped, "))
        #expect(try await daemon.terminate() == 0)
    }

    /// Item 7 of issue #12: on a machine without Loki the first screen showed a retry loop and
    /// "connection refused". Nothing is wrong there: the shipper waits for the supervised Loki,
    /// says so, and keeps the batches.
    @Test func testWithoutALokiBinary_statusSaysWhatShippingWaitsFor_withoutRetriesOrAnError() async throws {
        let daemon = try await DaemonHarness { config in
            config.loki.binary = "\(config.daemon.stateDir)/no-such-loki"
            config.logs.batchMaxWaitMs = 100
            for instance in PostgresInstance.allCases { config.postgres.instances[instance]?.enabled = false }
        }
        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        let report = try await daemon.waitFor("Redis's lines read, and the shipper waiting for Loki") { report in
            (report.logs?.linesRead ?? 0) > 0 && report.logs?.waitingFor != nil
        }
        #expect(try daemon.service(.loki).state == .unavailable)
        let logs = try #require(report.logs)
        #expect(logs.waitingFor?.hasPrefix("loki (unavailable: Grafana Loki is not installed") == true, "\(logs)")
        #expect(logs.retries == 0 && logs.lastError == nil && logs.linesDropped == 0, "\(logs)")
        let human = try daemon.aegisctl("status").output
        #expect(human.contains("\n  waiting for loki (unavailable: Grafana Loki is not installed"), "\(human)")
        #expect(!human.contains("last error") && !human.contains("Connection refused"), "\(human)")
        #expect(try await daemon.terminate() == 0)
        // Nothing was lost: the clean stop spooled what waited, for the Loki installed later.
        let spool = try LogSpool(directory: "\(daemon.config.layout.spoolDir)/loki", maxBytes: 64 << 20)
        #expect(spool.pendingBytes > 0)
        #expect(!daemon.log.contains("push to http"), "no push was attempted")
    }

    /// A remote Loki that cannot be reached is an error, as before: the operator asked for it.
    @Test func testARemoteLokiThatIsDown_isAnErrorInStatus() async throws {
        let loki = try LokiStandIn()
        loki.goAway()
        let daemon = try await DaemonHarness { config in
            config.loki.enabled = false
            config.logs.lokiURL = loki.url
            config.logs.batchMaxWaitMs = 100
            for instance in PostgresInstance.allCases { config.postgres.instances[instance]?.enabled = false }
        }
        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        let report = try await daemon.waitFor("a failed push in status") { ($0.logs?.retries ?? 0) > 0 }
        let logs = try #require(report.logs)
        #expect(logs.waitingFor == nil)
        #expect(logs.lastError?.hasPrefix("push to \(loki.url) failed") == true, "\(logs)")
        #expect(try daemon.aegisctl("status").output.contains("\n  last error: push to \(loki.url) failed"))
        // A disabled instance has no connection to describe: refused as every command refuses it.
        let disabled = try daemon.aegisctl("connect-info postgres-backend")
        #expect(disabled.status != 0 && disabled.output.contains("no enabled service named 'postgres-backend'"), "\(disabled.output)")
        #expect(try await daemon.terminate() == 0)
    }

    /// Item 5 of issue #12: a central Loki behind an auth proxy wants a tenant and credentials.
    /// A wrong token is refused (401), kept and retried; a reload reads the file again.
    @Test func testARemoteLokiWithATenantAndABearerToken_aWrongTokenIsRetried_andAReloadReadsTheFileAgain() async throws {
        let loki = try LokiStandIn()
        loki.credentials = .init(tenant: "aegis-prod", authorization: "Bearer right-token")
        let daemon = try await DaemonHarness { config in
            config.loki.enabled = false
            config.logs.lokiURL = loki.url
            config.logs.lokiTenant = "aegis-prod"
            config.logs.lokiBearerTokenFile = "\(config.daemon.stateDir)/loki.token"
            config.logs.batchMaxWaitMs = 100
            for instance in PostgresInstance.allCases { config.postgres.instances[instance]?.enabled = false }
        }
        let tokenFile = daemon.config.logs.lokiBearerTokenFile
        try "wrong-token\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        chmod(tokenFile, 0o644)
        let check = try DaemonHarness.run("'\(DaemonHarness.aegisd)' config check --config '\(daemon.configPath)'")
        #expect(check.status != 0 && check.output.contains("logs.loki_bearer_token_file: \(tokenFile) is open to others"), "\(check.output)")
        chmod(tokenFile, 0o600)

        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        let refused = try await daemon.waitFor("the refused credentials in status") {
            $0.logs?.lastError?.hasPrefix("Loki refused the credentials") == true && ($0.logs?.retries ?? 0) >= 2
        }
        #expect(refused.logs?.lastError?.contains("(sent tenant aegis-prod, a bearer token)") == true, "\(String(describing: refused.logs))")
        #expect(!(refused.logs?.lastError ?? "").contains("wrong-token") && !daemon.log.contains("wrong-token"))
        #expect(refused.logs?.linesDropped == 0 && loki.counts.accepted == 0)
        #expect(loki.lastHeaders.tenant == "aegis-prod" && loki.lastHeaders.authorization == "Bearer wrong-token")

        try "right-token\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        chmod(tokenFile, 0o600)
        let reload = try daemon.aegisctl("reload")
        #expect(reload.status == 0, "\(reload.output)")
        try await Poll.until("Redis's lines in the remote Loki", timeout: .seconds(20)) {
            !loki.lines(matching: ["job": "aegisd", "service": "redis"]).joined().isEmpty
        }
        try await daemon.waitFor("the shipped count") { ($0.logs?.linesShipped ?? 0) > 0 && $0.logs?.linesDropped == 0 }
        #expect(try await daemon.terminate() == 0)
    }
}
