import AegisCore
import AegisSystem
import Foundation
import Glibc
import Testing
import AegisTestSupport

/// `/metrics` for scrapers on other hosts: HTTPS with a certificate of aegisd's CA and HTTP
/// basic authentication, scraped by Debian's prometheus with `tls_config` and `basic_auth`.
@Suite(.serialized) struct MetricsTLSTests {
    @Test func testHTTPSWithBasicAuth_prometheusScrapes_andARotationIsServedWithoutRestart() async throws {
        var passwordFile = ""
        let daemon = try await DaemonHarness { config in
            config.loki.enabled = false
            passwordFile = "\(config.daemon.stateDir)/metrics.password"
            config.metrics.tls = true
            config.metrics.basicAuthUser = "prometheus"
            config.metrics.basicAuthPasswordFile = passwordFile
        }
        try "s3cret pass\n".write(toFile: passwordFile, atomically: true, encoding: .utf8)
        chmod(passwordFile, 0o600)
        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        let port = daemon.config.metrics.port
        let ca = CertificateLayout(daemon.config.layout).ca.certificate
        let tls = TLSClientSettings(caFile: ca, serverName: "127.0.0.1")
        #expect(try daemon.status().daemon.metricsURL == "https://127.0.0.1:\(port)/metrics")

        // Plain HTTP gets no answer from a TLS port; HTTPS without credentials gets 401.
        #expect((try? MetricsHTTP.get(port: port, path: "/metrics")) == nil)
        let anonymous = try MetricsHTTP.get(port: port, path: "/metrics", tls: tls)
        #expect(anonymous.status == 401)
        #expect(anonymous.headers["www-authenticate"] == "Basic realm=\"aegisd\", charset=\"UTF-8\"")
        #expect(!anonymous.body.contains("aegis_"))
        let wrong = "Basic " + Data("prometheus:s3cret".utf8).base64EncodedString()
        #expect(try MetricsHTTP.get(port: port, path: "/metrics", headers: ["Authorization": wrong], tls: tls).status == 401)
        let right = "Basic " + Data("prometheus:s3cret pass".utf8).base64EncodedString()
        let scrape = try MetricsHTTP.get(port: port, path: "/metrics", headers: ["Authorization": right], tls: tls)
        #expect(scrape.status == 200 && scrape.body.contains("aegis_service_healthy"))

        // Prometheus verifies the endpoint against aegisd's CA and sends the credentials.
        let prometheus = try PrometheusServer(
            scraping: port, directory: daemon.root,
            jobSettings: """
                    scheme: https
                    tls_config:
                      ca_file: \(ca)
                    basic_auth:
                      username: prometheus
                      password_file: \(passwordFile)

                """)
        defer { prometheus.stop() }
        try await prometheus.waitFor("an HTTPS scrape with basic auth", query: "up{job=\"aegisd\"} == 1")
        // The endpoint's certificate is one of aegisd's, with its expiry exported like the others.
        try await prometheus.waitFor(
            "the endpoint's own certificate", query: "aegis_certificate_expiry_timestamp_seconds{name=\"metrics\"} > time()")

        // A rotation is served from the next handshake on: the same process, the new certificate.
        let served = {
            try DaemonHarness.shell(
                "openssl s_client -connect 127.0.0.1:\(port) -CAfile '\(ca)' -verify_return_error </dev/null 2>/dev/null | openssl x509 -noout -serial")
        }
        let before = try served()
        let pid = try #require(daemon.process?.processIdentifier)
        let rotated = try daemon.aegisctl("certs rotate")
        #expect(rotated.status == 0, "\(rotated.output)")
        let after = try served()
        #expect(after != before)
        let onDisk = try DaemonHarness.shell("openssl x509 -noout -serial -in '\(CertificateLayout(daemon.config.layout).metrics.certificate)'")
        #expect(after == onDisk)
        #expect(daemon.process?.processIdentifier == pid)
        let rotatedAt = Int(Date().timeIntervalSince1970)
        try await prometheus.waitFor(
            "a successful scrape after the rotation", query: "(up{job=\"aegisd\"} == 1) and (timestamp(up{job=\"aegisd\"}) > \(rotatedAt))")
        #expect(try await daemon.terminate() == 0)
    }
}
