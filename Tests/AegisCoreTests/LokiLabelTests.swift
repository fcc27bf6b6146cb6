import AegisCore
import Testing

@Suite struct LokiLabelTests {
    @Test(arguments: [
        ("status", "status"), ("http.status", "http_status"), ("2xx", "_2xx"), ("a-b c", "a_b_c"),
        ("Ünicode", "_nicode"), ("ok_9", "ok_9"),
    ])
    func testLabelNames_followPrometheusRules(name: String, expected: String) {
        #expect(LokiLabelRules.sanitizedName(name) == expected)
    }

    @Test func testReservedAndEmptyNames_areRefused() {
        #expect(LokiLabelRules.sanitizedName("__name__") == nil)
        #expect(LokiLabelRules.sanitizedName("") == nil)
        #expect(LokiLabelRules.keyProblem("__x") != nil)
    }

    @Test func testLabels_carryJobServiceHostLevelAndConfiguredJSONKeys() {
        let rules = LokiLabelRules(jsonKeys: ["status", "level", "http.code"], host: "db1")
        let entry = LogEntry(
            timestampNs: 1, line: #"{"status":"failed","level":"ERROR","http.code":503,"user":"x"}"#, level: .info)
        let labels = rules.labels(job: "aegis-executor", service: nil, entry: entry)
        #expect(labels == ["job": "aegis-executor", "host": "db1", "level": "error", "status": "failed", "http_code": "503"])
    }

    @Test func testNonJSONLines_getOnlyTheFixedLabels() {
        let rules = LokiLabelRules(jsonKeys: ["status"], host: "h")
        let entry = LogEntry(timestampNs: 1, line: "x [1] FATAL:  no", level: .critical)
        #expect(rules.labels(job: "aegisd", service: "postgres-ai", entry: entry)
            == ["job": "aegisd", "service": "postgres-ai", "host": "h", "level": "critical"])
        #expect(rules.jsonLabels(of: "{not json").isEmpty)
    }

    @Test func testLongValues_areCut() {
        var rules = LokiLabelRules(jsonKeys: ["status"], host: "h")
        rules.maxValueBytes = 4
        #expect(rules.jsonLabels(of: #"{"status":"abcdéf"}"#).map(\.1) == ["abcd"])
    }
}
