import AegisCore
import Testing

@Suite struct MetricsExpositionTests {
    static let families = [
        MetricFamily(
            name: "aegis_service_restarts_total", help: "Restarts.", kind: .counter,
            samples: [MetricSample([MetricLabel("service", "redis")], 3)]),
        MetricFamily(
            name: "aegis_filesystem_avail_bytes", help: "Back\\slash and\nnewline.", kind: .gauge,
            samples: [MetricSample([MetricLabel("path", "/a \"q\" \\ b\nc")], 1.5)]),
        MetricFamily(name: "aegis_empty", help: "Nothing.", kind: .gauge, samples: []),
    ]

    @Test func testPrometheusText() {
        #expect(MetricsExposition.render(Self.families, format: .prometheusText) == """
            # HELP aegis_service_restarts_total Restarts.
            # TYPE aegis_service_restarts_total counter
            aegis_service_restarts_total{service="redis"} 3
            # HELP aegis_filesystem_avail_bytes Back\\\\slash and\\nnewline.
            # TYPE aegis_filesystem_avail_bytes gauge
            aegis_filesystem_avail_bytes{path="/a \\"q\\" \\\\ b\\nc"} 1.5

            """)
    }

    @Test func testOpenMetrics_counterFamilyWithoutTotal_andEOF() {
        let text = MetricsExposition.render(Array(Self.families.prefix(1)), format: .openMetrics)
        #expect(text == """
            # HELP aegis_service_restarts Restarts.
            # TYPE aegis_service_restarts counter
            aegis_service_restarts_total{service="redis"} 3
            # EOF

            """)
    }

    @Test func testInfo_isAGaugeInTheTextFormat_andAnInfoInOpenMetrics() {
        let build = [
            MetricFamily(
                name: "aegis_build_info", help: "Build.", kind: .info,
                samples: [MetricSample([MetricLabel("version", "1.2.3")], 1)])
        ]
        #expect(MetricsExposition.render(build, format: .prometheusText).contains("# TYPE aegis_build_info gauge\naegis_build_info{version=\"1.2.3\"} 1\n"))
        #expect(MetricsExposition.render(build, format: .openMetrics).contains("# TYPE aegis_build info\naegis_build_info{version=\"1.2.3\"} 1\n"))
    }

    @Test(arguments: [
        (3.0, "3"), (-2.0, "-2"), (1.5, "1.5"), (Double.nan, "NaN"), (Double.infinity, "+Inf"), (-Double.infinity, "-Inf"),
        (1_764_538_163, "1764538163"), (1e20, "1e+20"),
    ])
    func testNumbers(value: Double, expected: String) {
        #expect(MetricsExposition.number(value) == expected)
    }

    @Test(arguments: [
        (nil, MetricsFormat.prometheusText),
        ("text/plain", .prometheusText),
        ("application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.4,*/*;q=0.1", .openMetrics),
        ("application/openmetrics-text; q=0", .prometheusText),
        ("*/*", .prometheusText),
    ] as [(String?, MetricsFormat)])
    func testNegotiation(accept: String?, expected: MetricsFormat) {
        #expect(MetricsFormat.negotiate(accept: accept) == expected)
    }

    @Test(arguments: [
        ("", "127.0.0.1:9464"), ("0.0.0.0", "0.0.0.0:9464"), ("10.1.2.3:9100", "10.1.2.3:9100"),
        ("[::1]", "[::1]:9464"), ("[::]:9200", "[::]:9200"),
    ])
    func testEndpoint(listen: String, expected: String) throws {
        var settings = MetricsSettings()
        settings.listen = listen
        #expect(try MetricsEndpoint.of(settings).get().description == expected)
    }

    @Test(arguments: ["localhost:9464", "1.2.3:80", "127.0.0.1:0", "127.0.0.1:70000", "[::1", "[::1]9464", "::1", "256.0.0.1"])
    func testBadListen_isRefusedWithTheValue(listen: String) {
        var settings = MetricsSettings()
        settings.listen = listen
        guard case .failure(let error) = MetricsEndpoint.of(settings) else {
            Issue.record("\(listen) accepted")
            return
        }
        #expect(error.description.contains(listen))
    }
}
