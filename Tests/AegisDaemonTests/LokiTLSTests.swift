import AegisCore
import AegisSystem
import Foundation
import Glibc
import Testing
import AegisTestSupport

/// `[loki] tls = true` with the real aegisd. Grafana Loki cannot be installed here, so the
/// `loki` binary aegisd supervises is a stand-in script: it answers `-version` like Loki 3 and
/// serves HTTPS with real `socat OPENSSL-LISTEN`, on the port and with the certificate and key
/// named in the loki.yaml aegisd rendered, in front of `LokiStandIn` (plain HTTP, Loki's push
/// API). Everything on aegisd's side is real: the certificate it issued, its probe, its shipper.
@Suite(.serialized) struct LokiTLSTests {
    /// Writes the stand-in launcher that aegisd runs as `loki.binary`; it forwards to `backend`.
    static func writeLokiLauncher(at path: String, backendPort: Int) throws {
        let script = """
            #!/bin/sh
            # Test stand-in for the loki binary (not Grafana Loki): HTTPS from the rendered config via socat,
            # forwarding to LokiStandIn on 127.0.0.1:\(backendPort).
            case "$1" in -version) echo "loki, version 3.4.2 (branch: stand-in, revision: test)"; exit 0;; esac
            config="${1#-config.file=}"
            port=$(sed -n 's/^  http_listen_port: //p' "$config")
            cert=$(sed -n 's/^    cert_file: //p' "$config")
            key=$(sed -n 's/^    key_file: //p' "$config")
            min=$(sed -n 's/^  tls_min_version: //p' "$config")
            if [ -z "$cert" ] || [ -z "$key" ] || [ "$min" != VersionTLS12 ]; then
              echo "loki stand-in: no http_tls_config with tls_min_version VersionTLS12 in $config" >&2; exit 1
            fi
            exec socat OPENSSL-LISTEN:"$port",bind=127.0.0.1,reuseaddr,fork,cert="$cert",key="$key",verify=0,openssl-min-proto-version=TLS1.2 TCP:127.0.0.1:\(backendPort)

            """
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
    }

    @Test func testLokiWithTLS_isHealthyThroughTLS_receivesLinesOverHTTPS_andRefusesPlainHTTP() async throws {
        let loki = try LokiStandIn()
        let daemon = try await DaemonHarness { config in
            config.loki.tls = true
            config.loki.binary = "\(config.daemon.stateDir)/loki-standin.sh"
            config.logs.batchMaxWaitMs = 100
        }
        try Self.writeLokiLauncher(at: daemon.config.loki.binary, backendPort: loki.port)
        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        let port = daemon.config.loki.httpPort
        let service = try daemon.service(.loki)
        #expect(service.state == .running && service.healthy, "\(service)")

        // The rendered configuration aegisd gave Loki.
        let yaml = try String(contentsOfFile: LokiConfigRenderer(config: daemon.config).configFile, encoding: .utf8)
        #expect(yaml.contains("http_tls_config:\n    cert_file: \(daemon.root)/certs/loki/server.crt\n    key_file: \(daemon.root)/certs/loki/server.key"))

        // The shipper pushes over https to the supervised Loki, verified against aegisd's CA.
        try await Poll.until("PostgreSQL's ready line in Loki over https", timeout: .seconds(30)) {
            loki.lines(matching: ["job": "aegisd", "service": "postgres-backend"]).joined().contains {
                $0.contains("database system is ready to accept connections")
            }
        }
        // The stand-in stores a push before it answers: the count follows the answer.
        let report = try await daemon.waitFor("shipped lines counted") { ($0.logs?.linesShipped ?? 0) > 0 }
        let logs = try #require(report.logs)
        #expect(logs.lokiURL == "https://localhost:\(port)/loki/api/v1/push")
        // (The last error, if any, is Loki not listening yet at the very start: never TLS.)
        #expect(!(logs.lastError ?? "").contains("TLS") && !(logs.lastError ?? "").contains("certificate"), "\(logs)")

        // A real TLS client verifies the certificate against aegisd's CA …
        let ca = "\(daemon.root)/certs/ca/ca.crt"
        let verified = try DaemonHarness.run(
            "openssl s_client -connect 127.0.0.1:\(port) -CAfile '\(ca)' -verify_return_error -verify_hostname localhost </dev/null")
        #expect(verified.status == 0 && verified.output.contains("Verify return code: 0 (ok)"), "\(verified.output)")
        // … and a plain http request to the same port gets no HTTP answer.
        #expect(throws: SystemError.self) { try HTTPProbe.get(port: port, path: "/ready", timeout: .seconds(3)) }

        // certs status lists Loki's certificate; stats reach Loki over TLS.
        let certificates = try JSONDecoder().decode(
            [CertificateStatus].self, from: Data(try daemon.aegisctl("certs status --json").output.utf8))
        let lokiCertificate = try #require(certificates.first { $0.role == .server(.loki) })
        #expect(lokiCertificate.problem == nil && lokiCertificate.certificatePath == "\(daemon.root)/certs/loki/server.crt")
        #expect(lokiCertificate.info?.subjectAltNames.contains("localhost") == true)
        let stats = try JSONDecoder().decode(
            [ServiceStats].self, from: Data(try daemon.aegisctl("stats loki --json").output.utf8))
        #expect(stats.first?.loki?.ready == true, "\(stats)")

        // certs rotate re-issues Loki's certificate and leaves Loki running: Loki reads its files
        // at every handshake (the stand-in's socat does not, so only aegisd's side is checked).
        let pid = try daemon.service(.loki).pid
        let rotated = try daemon.aegisctl("certs rotate")
        #expect(rotated.status == 0, "\(rotated.output)")
        let after = try JSONDecoder().decode(
            [CertificateStatus].self, from: Data(try daemon.aegisctl("certs status --json").output.utf8))
        let renewed = try #require(after.first { $0.role == .server(.loki) })
        #expect(renewed.info?.serial != lokiCertificate.info?.serial)
        #expect(try daemon.service(.loki).pid == pid && daemon.log.contains("loki: new certificate in place"))
        #expect(try await daemon.terminate() == 0)
    }

    @Test func testAnHTTPSLokiWithACertificateFromAnotherCA_isRefusedByThePusher_withTheReasonInStatus() async throws {
        let loki = try LokiStandIn()
        let other = try DaemonHarness.makeTemporaryDirectory(prefix: "aegisd-test-other-ca")
        defer { try? FileManager.default.removeItem(atPath: other) }
        let store = CertificateStore(layout: CertificateLayout(StateLayout(root: other)))
        _ = try store.ensure(services: [.loki], apps: [], now: UTCTimestamp(secondsSinceEpoch: Int64(Date().timeIntervalSince1970)))
        let foreign = store.layout.server(.loki)
        let port = try FreePorts.base(count: 1)
        let proxy = Process()
        proxy.executableURL = URL(fileURLWithPath: "/usr/bin/socat")
        proxy.arguments = [
            "OPENSSL-LISTEN:\(port),bind=127.0.0.1,reuseaddr,fork,cert=\(foreign.certificate),key=\(foreign.key),verify=0",
            "TCP:127.0.0.1:\(loki.port)",
        ]
        proxy.standardOutput = FileHandle.nullDevice
        proxy.standardError = FileHandle.nullDevice
        try proxy.run()
        defer {
            // Only the socat this test started; SIGKILL since the runner's mask blocks SIGTERM.
            kill(proxy.processIdentifier, SIGKILL)
            proxy.waitUntilExit()
        }

        let daemon = try await DaemonHarness { config in
            config.logs.lokiURL = "https://localhost:\(port)/loki/api/v1/push"
            // Trust aegisd's own CA: the proxy's certificate is from another one.
            config.logs.lokiCAFile = "\(config.daemon.stateDir)/certs/ca/ca.crt"
            config.logs.batchMaxWaitMs = 100
        }
        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        let report = try await daemon.waitFor("a refused push in the log counters", timeout: .seconds(30)) {
            ($0.logs?.retries ?? 0) > 0 && $0.logs?.lastError != nil
        }
        let logs = try #require(report.logs)
        let error = try #require(logs.lastError)
        #expect(error.contains("certificate verify failed: unable to get local issuer certificate"), "\(error)")
        #expect(error.contains("localhost:\(port)") && error.contains("CA file \(daemon.root)/certs/ca/ca.crt"), "\(error)")
        #expect(logs.linesShipped == 0 && loki.counts.pushes == 0)
        let human = try daemon.aegisctl("status")
        #expect(human.output.contains("certificate verify failed"), "\(human.output)")
        #expect(try await daemon.terminate() == 0)
    }
}
