import AegisCore
import Foundation
import Testing

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
        try await waitUntil("PostgreSQL's ready line in Loki", timeout: .seconds(20)) {
            loki.lines(matching: ["job": "aegisd", "service": "postgres-backend", "level": "info"]).joined().contains {
                $0.contains("database system is ready to accept connections")
            }
        }
        let redis = loki.streams.keys.filter { $0["service"] == "redis" }
        #expect(!redis.isEmpty)
        #expect(redis.allSatisfy { $0["host"] != nil && $0["job"] == "aegisd" && $0["level"] != nil })

        // The stand-in stores a push before it answers: the shipped count follows a moment later.
        try await waitUntil("a shipped count in status") { ((try? daemon.status())?.logs?.linesShipped ?? 0) > 0 }
        let report = try daemon.status()
        let logs = try #require(report.logs)
        #expect(logs.shipping && logs.lokiURL == loki.url)
        #expect(logs.linesRead >= logs.linesShipped && logs.linesShipped > 0)
        #expect(logs.linesDropped == 0)
        let human = try daemon.aegisctl("status")
        #expect(human.output.contains("logs: ") && human.output.contains(" shipped, "))
        #expect(try await daemon.terminate() == 0)
    }
}
