import AegisCore
@testable import AegisSystem
import Testing

@Suite struct MetricsRequestTests {
    @Test(arguments: [
        ("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", MetricsRequest.metrics(.prometheusText, headOnly: false)),
        ("GET /metrics?x=1 HTTP/1.0\n\n", .metrics(.prometheusText, headOnly: false)),
        ("HEAD /metrics HTTP/1.1\r\n\r\n", .metrics(.prometheusText, headOnly: true)),
        ("GET /metrics HTTP/1.1\r\naccept: application/openmetrics-text;version=1.0.0\r\n\r\n", .metrics(.openMetrics, headOnly: false)),
        ("GET / HTTP/1.1\r\n\r\n", .notFound),
        ("GET /metricsx HTTP/1.1\r\n\r\n", .notFound),
        ("POST /metrics HTTP/1.1\r\n\r\n", .methodNotAllowed),
        ("hello\r\n\r\n", .malformed),
        ("GET /metrics SPDY/3\r\n\r\n", .malformed),
    ])
    func testParse(head: String, expected: MetricsRequest) {
        #expect(MetricsRequest.parse(head) == expected)
    }

    @Test func testHeader_isFoundCaseInsensitively() {
        let head = "GET /metrics HTTP/1.1\r\nHost: x\r\nAUTHORIZATION: Bearer abc\r\n\r\n"
        #expect(MetricsRequest.header("authorization", in: head) == " Bearer abc")
        #expect(MetricsRequest.header("accept", in: head) == nil)
    }
}
