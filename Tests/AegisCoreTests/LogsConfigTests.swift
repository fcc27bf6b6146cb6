import Testing
@testable import AegisCore

@Suite struct LogsConfigTests {
    @Test func testLogsSectionAndSources_areDecoded() throws {
        let document: [String: ConfigValue] = [
            "logs": .table([
                "ship": .bool(false), "loki_url": .string("http://10.0.0.5:3100/loki/api/v1/push"),
                "json_labels": .array([.string("status")]),
                "source": .array([
                    .table(["job": .string("aegis-backend"), "paths": .array([.string("/var/log/aegis/*.log")])]),
                    .table(["job": .string("aegis-executor"), "unit": .string("aegis-executor.service")]),
                ]),
            ])
        ]
        let config = try ConfigDecoder.decodeValidated(document, file: "t.toml")
        #expect(config.logs.ship == false)
        #expect(config.logs.jsonLabels == ["status"])
        #expect(config.logs.sources == [
            LogSourceSettings(job: "aegis-backend", paths: ["/var/log/aegis/*.log"]),
            LogSourceSettings(job: "aegis-executor", unit: "aegis-executor.service"),
        ])
        // And the renderer writes them back to the same configuration.
        #expect(ConfigRenderer.render(config).contains("[[logs.source]]\n"))
    }

    @Test func testBadLogsValues_areNamed() {
        var config = AegisConfig.defaults()
        config.logs.lokiURL = "http://loki.example:3100"
        config.logs.batchMaxBytes = 10
        config.logs.jsonLabels = ["__name__"]
        config.logs.sources = [
            LogSourceSettings(job: "a", paths: ["relative/*.log"]),
            LogSourceSettings(job: "a", paths: ["/x"], unit: "x.service"),
            LogSourceSettings(job: ""),
        ]
        let paths = ConfigValidator.validate(config).map(\.path)
        #expect(paths == [
            "logs.loki_url", "logs.batch_max_bytes", "logs.json_labels[0]", "logs.source[0].paths[0]",
            "logs.source[1].job", "logs.source[1]", "logs.source[2].job", "logs.source[2]",
        ])
    }

    @Test func testUnknownSourceKeys_areReported() {
        let (_, issues) = ConfigDecoder.decode(["logs": .table(["source": .array([.table(["job": .string("a"), "path": .string("/x")])])])])
        #expect(issues.map(\.path) == ["logs.source[0].path"])
    }

    @Test func testEndpoint_parsesAndRefusesClearly() throws {
        #expect(try LokiEndpoint(url: "http://127.0.0.1:3100") == LokiEndpoint(host: "127.0.0.1", port: 3100))
        #expect(try LokiEndpoint(url: "http://localhost:9/x/push").path == "/x/push")
        #expect(throws: LokiEndpointError.self) { try LokiEndpoint(url: "http://loki:3100") }
        #expect(throws: LokiEndpointError.self) { try LokiEndpoint(url: "http://127.0.0.1") }
        #expect(AegisConfig.defaults().logs.effectiveLokiURL(lokiHTTPPort: 3100) == "http://127.0.0.1:3100/loki/api/v1/push")
    }
}
