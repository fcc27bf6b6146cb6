import Foundation
import Testing

@testable import AegisCore

/// A remote Loki's tenant and credentials (`[logs] loki_tenant`, `loki_username` +
/// `loki_password_file`, `loki_bearer_token_file`), the drop-in its address needs, and when the
/// shipper waits for the supervised Loki instead of pushing.
@Suite struct RemoteLokiConfigTests {
    private func issues(_ change: (inout LogsSettings) -> Void) -> [ConfigIssue] {
        var config = AegisConfig.defaults(stateDir: "/var/lib/aegis")
        change(&config.logs)
        return ConfigValidator.validate(config)
    }

    // MARK: - Configuration

    @Test func testKeys_decode_andRenderEmptyByDefault() throws {
        let document: [String: ConfigValue] = [
            "logs": .table([
                "loki_url": .string("https://loki.example.net:3100/loki/api/v1/push"),
                "loki_tenant": .string("aegis-prod"), "loki_username": .string("shipper"),
                "loki_password_file": .string("/etc/aegis/loki.password"),
            ])
        ]
        let config = try ConfigDecoder.decodeValidated(document, file: "t.toml")
        #expect(config.logs.lokiTenant == "aegis-prod" && config.logs.lokiUsername == "shipper")
        #expect(config.logs.lokiPasswordFile == "/etc/aegis/loki.password" && config.logs.lokiBearerTokenFile.isEmpty)
        let rendered = ConfigRenderer.render(.defaults())
        for key in ["loki_tenant", "loki_username", "loki_password_file", "loki_bearer_token_file"] {
            #expect(rendered.contains("\n\(key) = \"\"\n"), "\(key)")
        }
    }

    @Test func testAuthKeys_withoutARemoteLokiURL_areErrorsThatSaySo() {
        let found = issues {
            $0.lokiTenant = "acme"
            $0.lokiBearerTokenFile = "/etc/aegis/loki.token"
        }
        #expect(found.map(\.path) == ["logs.loki_tenant", "logs.loki_bearer_token_file"])
        #expect(found.allSatisfy { $0.reason.hasPrefix("is only used with a remote loki_url (the supervised Loki runs without authentication)") })
    }

    @Test func testBasicAndBearer_areMutuallyExclusive() {
        let found = issues {
            $0.lokiURL = "https://loki.example.net:3100"
            $0.lokiUsername = "shipper"
            $0.lokiPasswordFile = "/etc/aegis/loki.password"
            $0.lokiBearerTokenFile = "/etc/aegis/loki.token"
        }
        #expect(found == [ConfigIssue(
            path: "logs.loki_bearer_token_file",
            reason: "basic auth (loki_username, loki_password_file) and a bearer token are mutually exclusive: "
                + "keep the one your Loki or its proxy expects")])
    }

    @Test func testBasicAuth_needsBothHalves_absolutePaths_andHeaderSafeValues() {
        let remote = "https://loki.example.net:3100"
        #expect(issues { $0.lokiURL = remote; $0.lokiUsername = "shipper" }.map(\.path) == ["logs.loki_password_file"])
        #expect(issues { $0.lokiURL = remote; $0.lokiPasswordFile = "/etc/p" }.map(\.path) == ["logs.loki_username"])
        #expect(issues { $0.lokiURL = remote; $0.lokiBearerTokenFile = "token" } == [
            ConfigIssue(path: "logs.loki_bearer_token_file", reason: "\"token\" is not an absolute path")
        ])
        #expect(issues { $0.lokiURL = remote; $0.lokiUsername = "a:b"; $0.lokiPasswordFile = "/etc/p" } == [
            ConfigIssue(path: "logs.loki_username", reason: "must not contain a colon (basic auth separates user and password with it)")
        ])
        #expect(issues { $0.lokiURL = remote; $0.lokiTenant = "acme\r\nX-Evil: 1" }.map(\.path) == ["logs.loki_tenant"])
        #expect(issues { $0.lokiURL = remote; $0.lokiTenant = String(repeating: "t", count: 151) }.map(\.path) == ["logs.loki_tenant"])
        #expect(issues { $0.lokiURL = remote; $0.lokiTenant = "team-a_1.(prod)" }.isEmpty)
    }

    // MARK: - Headers

    @Test func testHeaders_tenantAndBasicAuth_orBearer_andTheDescriptionHidesTheSecrets() {
        let basic = LokiCredentials(tenant: "acme", authorization: .basic(username: "shipper", password: "s3cret:x"))
        #expect(basic.headers.map { "\($0.name): \($0.value)" } == [
            "X-Scope-OrgID: acme",
            "Authorization: Basic " + Data("shipper:s3cret:x".utf8).base64EncodedString(),
        ])
        #expect(basic.headers.last?.value == "Basic c2hpcHBlcjpzM2NyZXQ6eA==")
        let bearer = LokiCredentials(authorization: .bearer(token: "tok-123"))
        #expect(bearer.headers.map { "\($0.name): \($0.value)" } == ["Authorization: Bearer tok-123"])
        #expect(LokiCredentials.none.headers.isEmpty)
        #expect(basic.description == "tenant acme, basic auth as shipper")
        #expect(bearer.description == "a bearer token" && !bearer.description.contains("tok-123"))
    }

    @Test func testSecrets_mustNotBeEmpty_andATokenMustBeOneVisibleLine() {
        #expect(LokiCredentials.secretProblem("", bearer: false) == "is empty")
        #expect(LokiCredentials.secretProblem("pass word\twith tabs", bearer: false) == nil)
        #expect(LokiCredentials.secretProblem("abc\r\nX-Evil: 1", bearer: true) != nil)
        #expect(LokiCredentials.secretProblem("eyJhbGciOi.J9-_", bearer: true) == nil)
    }

    // MARK: - The unit's drop-in

    @Test func testDropIn_isNeededOnlyOutsideLoopback() {
        #expect(!LokiUnitDropIn.isNeeded(host: "localhost"))
        #expect(!LokiUnitDropIn.isNeeded(host: "127.0.0.1") && !LokiUnitDropIn.isNeeded(host: "127.1.2.3"))
        #expect(LokiUnitDropIn.isNeeded(host: "10.0.0.5") && LokiUnitDropIn.isNeeded(host: "loki.example.net"))
    }

    @Test func testDropIn_namesTheResolvedAddresses_orAsksForTheAddress() {
        #expect(LokiUnitDropIn.text(addresses: ["203.0.113.7", "2001:db8::7"]) == "[Service]\nIPAddressAllow=203.0.113.7 2001:db8::7\n")
        let resolved = LokiUnitDropIn.advice(host: "loki.example.net", addresses: ["203.0.113.7", "127.0.0.1"])
        #expect(resolved.hasPrefix("the host loki.example.net (203.0.113.7) is outside the shipped unit's IPAddressAllow=localhost"))
        #expect(resolved.contains("`systemctl edit aegisd`, add\n[Service]\nIPAddressAllow=203.0.113.7\n(a network rather"))
        #expect(resolved.contains("the DNS server's address") && resolved.hasSuffix("then `systemctl restart aegisd`"))
        let address = LokiUnitDropIn.advice(host: "10.0.0.5", addresses: nil)
        #expect(address == "the host 10.0.0.5 is outside the shipped unit's IPAddressAllow=localhost: under systemd the kernel "
            + "blocks every push to it. Run `systemctl edit aegisd`, add\n[Service]\nIPAddressAllow=10.0.0.5\nthen `systemctl restart aegisd`")
        let unresolved = LokiUnitDropIn.advice(host: "loki.invalid", addresses: [])
        #expect(unresolved.hasPrefix("the host loki.invalid (which could not be resolved here) is outside"))
        #expect(unresolved.contains("\nIPAddressAllow=<the Loki host's addresses or network>\n"))
        let untried = LokiUnitDropIn.advice(host: "loki.example.net", addresses: nil)
        #expect(untried.hasPrefix("the host loki.example.net is outside") && untried.contains("<the Loki host's addresses or network>"))
    }

    // MARK: - Waiting for the supervised Loki

    @Test(arguments: [
        (ServiceStateName.running, nil as String?, nil as String?),
        (.unavailable, "Grafana Loki is not installed", "loki (unavailable: Grafana Loki is not installed)"),
        (.stopped, nil, "loki (stopped)"),
        (.starting, nil, "loki (starting)"),
        (.backoff, "exited with status 1", "loki (backoff: exited with status 1)"),
        (.failed, "5 failures in 60 s", "loki (failed: 5 failures in 60 s)"),
    ])
    func testGate_pushesOnlyWhileLokiRuns(state: ServiceStateName, message: String?, waitsFor: String?) {
        let status = ServiceStatus(name: "loki", state: state, healthy: state == .running, pid: nil, restarts: 0, message: message)
        #expect(SupervisedLokiGate.verdict(status) == (waitsFor.map { .wait(reason: $0) } ?? .push))
    }

    @Test func testStatusJSON_carriesWhatTheShipperWaitsFor() throws {
        let status = LogsStatus(shipping: true, lokiURL: "http://127.0.0.1:3100/loki/api/v1/push", waitingFor: "loki (stopped)")
        let json = String(decoding: try JSONEncoder().encode(status), as: UTF8.self)
        #expect(json.contains(#""waiting_for":"loki (stopped)""#))
        #expect(try JSONDecoder().decode(LogsStatus.self, from: Data(json.utf8)) == status)
    }

    // MARK: - Reload

    @Test func testCredentialsOnly_areReloadedInPlace_otherLogsKeysStillNeedARestart() {
        var old = AegisConfig.defaults(stateDir: "/var/lib/aegis")
        old.logs.lokiURL = "https://loki.example.net:3100"
        var new = old
        new.logs.lokiTenant = "acme"
        new.logs.lokiBearerTokenFile = "/etc/aegis/loki.token"
        let plan = ReloadPlan(old: old, new: new)
        #expect(plan.needsDaemonRestart.isEmpty && plan.lokiCredentialsChanged)
        #expect(plan.summary == "new Loki tenant or credentials")
        new.logs.lokiURL = "https://other.example.net:3100"
        #expect(ReloadPlan(old: old, new: new).needsDaemonRestart == ["[logs]"])
    }
}
