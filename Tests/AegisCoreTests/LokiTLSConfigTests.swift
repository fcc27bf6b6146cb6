import Testing

@testable import AegisCore

/// `[loki] tls` and https to Loki: what the configuration accepts, what Loki's generated file
/// says, and which CA and name aegisd's clients verify against.
@Suite struct LokiTLSConfigTests {
    let layout = StateLayout(root: "/var/lib/aegis")

    private func config(_ change: (inout AegisConfig) -> Void) -> AegisConfig {
        var config = AegisConfig.defaults(stateDir: "/var/lib/aegis")
        change(&config)
        return config
    }

    // MARK: - Configuration

    @Test func testTLSKey_decodes_andDefaultsOff() throws {
        #expect(AegisConfig.defaults().loki.tls == false)
        let decoded = try ConfigDecoder.decodeValidated(["loki": .table(["tls": .bool(true)])], file: "t.toml")
        #expect(decoded.loki.tls)
        #expect(ConfigRenderer.render(decoded).contains("\ntls = true\n"))
    }

    @Test func testTLSKey_ofTheWrongType_isNamed() {
        let (_, issues) = ConfigDecoder.decode(["loki": .table(["tls": .string("yes")])])
        #expect(issues == [ConfigIssue(path: "loki.tls", reason: "expected a boolean, found a string")])
        let (_, quoted) = ConfigDecoder.decode(["loki": .table(["tls": .string("true")])])
        #expect(quoted.map(\.reason) == ["expected a boolean, found a string (write true without quotes)"])
    }

    @Test func testTLSForLoki_withoutTheCertificateAuthority_isRefused() {
        let issues = ConfigValidator.validate(config {
            $0.loki.tls = true
            $0.tls.enabled = false
        })
        #expect(issues == [ConfigIssue(
            path: "loki.tls", reason: "needs [tls] enabled = true: Loki's certificate comes from aegisd's CA or tls.operator_dir")])
    }

    @Test func testLokiCAFile_mustBeAbsolute_andOnlyGoesWithAnHTTPSURL() {
        #expect(ConfigValidator.validate(config {
            $0.logs.lokiURL = "https://loki.example.net:3100/loki/api/v1/push"
            $0.logs.lokiCAFile = "/etc/ssl/loki-ca.pem"
        }).isEmpty)
        #expect(ConfigValidator.validate(config {
            $0.logs.lokiURL = "https://loki.example.net:3100"
            $0.logs.lokiCAFile = "ca.pem"
        }) == [ConfigIssue(path: "logs.loki_ca_file", reason: "\"ca.pem\" is not an absolute path")])
        let plain = ConfigValidator.validate(config { $0.logs.lokiCAFile = "/etc/ssl/loki-ca.pem" })
        #expect(plain.map(\.path) == ["logs.loki_ca_file"])
        #expect(plain.first?.reason.contains("only used for an https:// loki_url") == true)
    }

    @Test func testEndpoint_acceptsHTTPS_byName_andRefusesWhatItCannotUse() throws {
        let remote = try LokiEndpoint(url: "https://loki.example.net:3100")
        #expect(remote == LokiEndpoint(host: "loki.example.net", port: 3100, secure: true))
        #expect(remote.url == "https://loki.example.net:3100/loki/api/v1/push")
        #expect(try LokiEndpoint(url: "https://10.0.0.5:443/x").secure)
        #expect(try LokiEndpoint(url: "http://10.0.0.5:3100").secure == false)
        func reason(_ url: String) -> String {
            do {
                _ = try LokiEndpoint(url: url)
                return "accepted"
            } catch {
                return error.description
            }
        }
        #expect(reason("http://loki:3100").contains("use https:// to reach a Loki by name"))
        #expect(reason("https://[::1]:3100").contains("IPv6 addresses are not supported"))
        #expect(reason("https://bad_host:3100").contains("is not a host name"))
        #expect(reason("https://loki.example.net").contains("like https://loki.example.net:3100"))
        #expect(reason("ftp://10.0.0.5:21").contains("is not an http:// or https:// URL"))
    }

    // MARK: - Who verifies what

    @Test func testServerCertificates_includeLokiOnlyWithTLS() {
        #expect(!config { _ in }.serverCertificateServices.contains(.loki))
        #expect(config { $0.loki.tls = true }.serverCertificateServices
            == [.postgresBackend, .postgresAI, .postgresExecutor, .redis, .loki])
        #expect(!config {
            $0.loki.tls = true
            $0.loki.enabled = false
        }.serverCertificateServices.contains(.loki))
    }

    @Test func testSupervisedLoki_withTLS_isReachedOverHTTPS_andVerifiedAgainstAegisdsCA() throws {
        let plain = config { _ in }
        #expect(plain.lokiPushURL == "http://127.0.0.1:3100/loki/api/v1/push")
        #expect(plain.supervisedLokiTLS == nil)
        #expect(plain.lokiPushTLS(try LokiEndpoint(url: plain.lokiPushURL)) == nil)

        let tls = config { $0.loki.tls = true }
        #expect(tls.lokiPushURL == "https://localhost:3100/loki/api/v1/push")
        let own = TLSClientSettings(caFile: "/var/lib/aegis/certs/ca/ca.crt", serverName: "localhost")
        #expect(tls.supervisedLokiTLS == own)
        #expect(tls.lokiPushTLS(try LokiEndpoint(url: tls.lokiPushURL)) == own)

        let operatorCA = config {
            $0.loki.tls = true
            $0.tls.operatorDir = "/etc/aegis/tls"
        }
        #expect(operatorCA.supervisedLokiTLS?.caFile == "/etc/aegis/tls/ca/ca.crt")
    }

    @Test func testExternalHTTPSLoki_isVerifiedAgainstItsCAFile_orTheSystemStore_byItsHost() throws {
        let system = config {
            $0.loki.tls = true  // the supervised Loki's CA is not the external one's
            $0.logs.lokiURL = "https://loki.example.net:3100/loki/api/v1/push"
        }
        #expect(system.lokiPushURL == "https://loki.example.net:3100/loki/api/v1/push")
        #expect(system.lokiPushTLS(try LokiEndpoint(url: system.lokiPushURL))
            == TLSClientSettings(caFile: nil, serverName: "loki.example.net"))
        let pinned = config {
            $0.logs.lokiURL = "https://10.0.0.5:3100"
            $0.logs.lokiCAFile = "/etc/ssl/loki-ca.pem"
        }
        #expect(pinned.lokiPushTLS(try LokiEndpoint(url: pinned.lokiPushURL))
            == TLSClientSettings(caFile: "/etc/ssl/loki-ca.pem", serverName: "10.0.0.5"))
    }

    // MARK: - Loki's generated configuration

    @Test(arguments: [2, 3])
    func testRenderedConfig_withTLS_servesHTTPSWithTheLokiCertificate_TLS12Minimum(major: Int) {
        let yaml = LokiConfigRenderer(config: config { $0.loki.tls = true }).render(majorVersion: major)
        #expect(yaml.contains("""
            server:
              http_listen_address: 127.0.0.1
              http_listen_port: 3100
              grpc_listen_address: 127.0.0.1
              grpc_listen_port: 9095
              log_level: info
              tls_min_version: VersionTLS12
              http_tls_config:
                cert_file: /var/lib/aegis/certs/loki/server.crt
                key_file: /var/lib/aegis/certs/loki/server.key
            common:
            """))
        #expect(!yaml.contains("grpc_tls_config"), "the gRPC port stays internal and plaintext on loopback")
        for line in yaml.split(separator: "\n") where !line.hasPrefix("#") {
            #expect(line.prefix { $0 == " " }.count % 2 == 0, "\(line)")
        }
    }

    @Test func testRenderedConfig_withoutTLS_hasNoTLSKeys_andOperatorFilesAreUsedWhenSet() {
        let plain = LokiConfigRenderer(config: config { _ in }).render(majorVersion: 3)
        #expect(!plain.contains("tls"))
        let operatorFiles = LokiConfigRenderer(config: config {
            $0.loki.tls = true
            $0.tls.operatorDir = "/etc/aegis/tls"
        }).render(majorVersion: 3)
        #expect(operatorFiles.contains("    cert_file: /etc/aegis/tls/loki/server.crt\n    key_file: /etc/aegis/tls/loki/server.key\n"))
    }

    // MARK: - Reloads

    @Test func testReload_turningLokiTLSOn_restartsLoki_butNeedsAegisdRestartWhenItShipsThere() {
        let base = config { _ in }
        let shipping = ReloadPlan(old: base, new: config { $0.loki.tls = true })
        #expect(shipping.needsDaemonRestart == ["loki.tls"])
        let elsewhere = ReloadPlan(
            old: config { $0.logs.lokiURL = "http://10.0.0.5:3100" },
            new: config {
                $0.logs.lokiURL = "http://10.0.0.5:3100"
                $0.loki.tls = true
            })
        #expect(elsewhere.needsDaemonRestart.isEmpty && elsewhere.restart == [.loki])
        // With TLS on, a change of names or of the certificate tree restarts Loki as well.
        let names = ReloadPlan(old: config { $0.loki.tls = true }, new: config {
            $0.loki.tls = true
            $0.tls.extraNames = ["logs.internal"]
        })
        #expect(names.restart.contains(.loki))
        #expect(!ReloadPlan(old: base, new: config { $0.tls.extraNames = ["logs.internal"] }).restart.contains(.loki))
    }
}
