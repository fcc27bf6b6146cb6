import AegisCore
import Foundation
import Testing

@Suite struct MetricsAccessTests {
    static func basic(_ text: String) -> String { "Basic " + Data(text.utf8).base64EncodedString() }

    @Test(arguments: [
        (basic("prometheus:pass word"), true), ("basic " + Data("prometheus:pass word".utf8).base64EncodedString(), true),
        (basic("prometheus:pass wor"), false), (basic("prometheus:pass word2"), false), (basic("Prometheus:pass word"), false),
        (basic("prometheus"), false), ("Basic not-base64!", false), ("Bearer pass word", false), ("", false),
    ])
    func testBasic_admitsExactlyTheUserAndPassword(header: String, admitted: Bool) throws {
        let credentials = try #require(BasicCredentials(user: "prometheus", passwordFileContent: " pass word \n"))
        #expect(MetricsAccess.basic(credentials).admits(authorization: header) == admitted)
    }

    @Test func testOpenAdmitsAll_andEachSchemeSaysWhatItNeeds() throws {
        #expect(MetricsAccess.open.admits(authorization: nil))
        let credentials = try #require(BasicCredentials(user: "u", passwordFileContent: "p"))
        #expect(MetricsAccess.basic(credentials).admits(authorization: nil) == false)
        #expect(MetricsAccess.basic(credentials).challenge.hasPrefix("Basic realm="))
        #expect(MetricsAccess.basic(credentials).refusal.contains("basic_auth_user"))
        let token = try #require(BearerToken(fileContent: "t"))
        #expect(MetricsAccess.bearer(token).challenge.hasPrefix("Bearer realm="))
        #expect(BasicCredentials(user: "u", passwordFileContent: "\n") == nil)
        #expect(BasicCredentials(user: "", passwordFileContent: "p") == nil)
    }

    private func issues(_ change: (inout AegisConfig) -> Void) -> [String] {
        var config = AegisConfig.defaults()
        change(&config)
        return ConfigValidator.validate(config).filter { $0.path.hasPrefix("metrics.") }.map { "\($0.path): \($0.reason)" }
    }

    @Test func testValidator_namesEachMisconfiguredKey() {
        #expect(issues { $0.metrics.tls = true }.isEmpty)
        #expect(issues { $0.metrics.basicAuthUser = "p" }.first?.hasPrefix("metrics.basic_auth_password_file: basic authentication needs both") == true)
        #expect(issues { $0.metrics.basicAuthPasswordFile = "/etc/p" }.first?.hasPrefix("metrics.basic_auth_user:") == true)
        #expect(issues {
            $0.metrics.basicAuthUser = "a:b"
            $0.metrics.basicAuthPasswordFile = "/etc/p"
        } == ["metrics.basic_auth_user: must not contain ':' or control characters (RFC 7617)"])
        #expect(issues {
            $0.metrics.basicAuthUser = "p"
            $0.metrics.basicAuthPasswordFile = "/etc/p"
            $0.metrics.bearerTokenFile = "/etc/t"
        }.first?.contains("choose one scheme") == true)
        #expect(issues {
            $0.metrics.tls = true
            $0.metrics.tlsCertFile = "/etc/c.pem"
        } == ["metrics.tls_key_file: set both tls_cert_file and tls_key_file, or neither"])
        #expect(issues {
            $0.metrics.tlsCertFile = "/etc/c.pem"
            $0.metrics.tlsKeyFile = "/etc/k.pem"
        }.first?.hasPrefix("metrics.tls: tls_cert_file and tls_key_file are set but metrics.tls is false") == true)
        #expect(issues { $0.metrics.tlsKeyFile = "key.pem"; $0.metrics.tlsCertFile = "/c"; $0.metrics.tls = true }
            .first?.hasPrefix("metrics.tls_key_file:") == true)
        #expect(issues {
            $0.metrics.tls = true
            $0.tls.enabled = false
        }.first?.hasPrefix("metrics.tls: needs [tls] enabled = true") == true)
        #expect(issues {
            $0.metrics.tls = true
            $0.tls.operatorDir = "/etc/aegis/certs"
        }.first?.contains("aegisd issues no certificates") == true)
    }

    @Test func testIssuedEndpointCertificate_namesTheListenAddress_andHTTPSURL() throws {
        var config = AegisConfig.defaults()
        #expect(config.issuedMetricsEndpoint == nil)
        config.metrics.tls = true
        config.metrics.listen = "10.0.0.5:9100"
        let endpoint = try #require(config.issuedMetricsEndpoint)
        #expect(endpoint.url == "https://10.0.0.5:9100/metrics")
        #expect(!endpoint.isLoopback)
        let request = CertificateRequest.metrics(hostNames: ["db1"], extraNames: ["LOCALHOST"], listenAddress: endpoint.address)
        #expect(request.role == .metrics && request.role.service == nil)
        #expect(request.subjectAltNames == ["localhost", "127.0.0.1", "::1", "db1", "10.0.0.5"])
        #expect(CertificateRole(text: CertificateRole.metrics.description) == .metrics)
        config.metrics.tlsCertFile = "/etc/c.pem"
        config.metrics.tlsKeyFile = "/etc/k.pem"
        #expect(config.issuedMetricsEndpoint == nil)
    }

    @Test func testAnEndpointOtherHostsReach_isWarnedAbout_andItsScrapersGetTheDropIn() throws {
        var config = AegisConfig.defaults()
        #expect(config.metricsExposureWarnings.isEmpty)
        config.metrics.listen = "10.0.0.5"
        #expect(config.metricsExposureWarnings.map(\.path) == ["metrics.scraper_networks", "metrics.tls", "metrics.basic_auth_user"])
        #expect(config.unitDropIn.isEmpty)
        config.metrics.scraperNetworks = ["10.0.9.0/24"]
        config.metrics.tls = true
        config.metrics.bearerTokenFile = "/etc/aegisd/metrics.token"
        #expect(config.metricsExposureWarnings.isEmpty)
        #expect(config.unitDropIn.text == "[Service]\n# Prometheus scrapes of /metrics (metrics.scraper_networks)\nIPAddressAllow=10.0.9.0/24\n")
        config.metrics.scraperNetworks = ["10.0.9.1/24"]
        #expect(issues { $0.metrics.scraperNetworks = ["10.0.9.1/24"] }.first?.hasPrefix("metrics.scraper_networks[0]:") == true)
    }
}
