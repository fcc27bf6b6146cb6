import AegisCore
import AegisSystem
import Foundation
import Glibc
import Testing
import AegisTestSupport

/// `[[alerts.notify]]` with the real aegisd: a command hook, a webhook receiver over https
/// verified against aegisd's CA (Python's http.server with Redis's certificate), one over https
/// that cannot be verified, and a hook that hangs. An alert is raised for real (a backup
/// refused by the disk-space guard) and resolved by a backup that works.
@Suite(.serialized) struct AlertNotifyTests {
    /// Writes each POST body as one line of `out` and answers 204.
    static let receiver = """
        import http.server, ssl, sys
        port, out, cert, key = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
        class Hook(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with open(out, "ab") as f:
                    f.write(body if body.endswith(b"\\n") else body + b"\\n")
                self.send_response(204)
                self.end_headers()
            def log_message(self, *args):
                pass
        server = http.server.HTTPServer(("127.0.0.1", port), Hook)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        server.serve_forever()
        """

    @Test func testAlert_reachesCommandAndWebhook_firingAndResolved_andAHangingHookBlocksNothing() async throws {
        let keyDirectory = try DaemonHarness.makeTemporaryDirectory(prefix: "aegisd-test-agekey")
        defer { try? FileManager.default.removeItem(atPath: keyDirectory) }
        try DaemonHarness.shell("age-keygen -o '\(keyDirectory)/backup.agekey' 2>/dev/null")
        let recipient = try DaemonHarness.shell("age-keygen -y '\(keyDirectory)/backup.agekey'")
        let free = try #require(FilesystemSpace.figures(of: [keyDirectory]).first).freePercent
        let threshold = Int(free.rounded(.down)) + 5
        try #require(threshold <= 99, "this filesystem is almost empty; the guard cannot be driven above its free space")
        let hookPort = try FreePorts.base(count: 1)
        var root = ""
        let daemon = try await DaemonHarness { config in
            root = config.daemon.stateDir
            config.loki.enabled = false
            config.backup.recipients = [recipient]
            config.backup.minFreePercent = threshold
            config.alerts.notify = [
                AlertNotifySettings(command: ["/bin/sh", "-c", "cat >> \(root)/command.out"]),
                AlertNotifySettings(url: "https://localhost:\(hookPort)/hook", caFile: "\(root)/certs/ca/ca.crt", timeoutS: 5),
                AlertNotifySettings(url: "https://localhost:\(hookPort)/unverified", timeoutS: 5),
                AlertNotifySettings(command: ["/bin/sleep", "600"], timeoutS: 1),
            ]
        }
        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        try Self.receiver.write(toFile: "\(root)/receiver.py", atomically: true, encoding: .utf8)
        let hook = Process()
        hook.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        hook.arguments = ["\(root)/receiver.py", String(hookPort), "\(root)/webhook.out", "\(root)/certs/redis/server.crt", "\(root)/certs/redis/server.key"]
        try hook.run()
        defer {
            // SIGKILL: a child inherits the test runner's ignored SIGTERM.
            kill(hook.processIdentifier, SIGKILL)
            hook.waitUntilExit()
        }
        try await Poll.until("the webhook receiver", timeout: .seconds(20)) {
            (try? StreamConnector.connect(host: "127.0.0.1", port: hookPort, timeout: .seconds(1), tls: nil)) != nil
        }

        // The alert fires: a backup refused for lack of space.
        #expect(try daemon.aegisctl("backup redis").status == 1)
        try await Poll.until("the firing alert at the command and the webhook", timeout: .seconds(30)) {
            Self.lines("\(root)/command.out").count == 1 && Self.lines("\(root)/webhook.out").count == 1
        }
        for file in ["command.out", "webhook.out"] {
            let alert = try #require(Self.lines("\(root)/\(file)").first)
            #expect(alert["alert"] as? String == "AegisBackupFailed", "\(file)")
            #expect(alert["state"] as? String == "firing")
            #expect(alert["subject"] as? String == "redis")
            #expect(alert["severity"] as? String == "critical")
            #expect(alert["message_id"] as? String == AlertKind.backupFailed.messageID)
            #expect((alert["summary"] as? String)?.contains("refused to protect free space") == true)
        }
        // The hanging hook was killed after its timeout; aegisd answered all along.
        try await Poll.until("the hanging hook's failure in aegisd's log", timeout: .seconds(20)) {
            daemon.log.contains("alert notification to /bin/sleep failed")
        }
        #expect(daemon.log.contains("did not finish within 1 s and was killed"))
        #expect(try daemon.status().services.allSatisfy(\.healthy))

        // It resolves: the guard off, a backup that works.
        try daemon.rewriteConfig { $0.backup.minFreePercent = 0 }
        #expect(try daemon.aegisctl("reload").status == 0)
        #expect(try daemon.aegisctl("backup redis").status == 0)
        try await Poll.until("the resolved alert at the command and the webhook", timeout: .seconds(30)) {
            Self.lines("\(root)/command.out").count == 2 && Self.lines("\(root)/webhook.out").count == 2
        }
        #expect(Self.lines("\(root)/webhook.out").last?["state"] as? String == "resolved")
        #expect(Self.lines("\(root)/command.out").last?["state"] as? String == "resolved")

        // Each outcome is counted per target: the unverifiable https target failed every time.
        let webhook = "https://localhost:\(hookPort)"
        let expected = [
            "aegis_alert_notifications_total{target=\"\(webhook)/hook\",outcome=\"delivered\"} 2",
            "aegis_alert_notifications_total{target=\"\(webhook)/unverified\",outcome=\"failed\"} 2",
            "aegis_alert_notifications_total{target=\"/bin/sh\",outcome=\"delivered\"} 2",
        ]
        var scrape = ""
        try? await Poll.until("every delivery counted in /metrics", timeout: .seconds(30), every: .milliseconds(200)) {
            scrape = try MetricsHTTP.get(port: daemon.config.metrics.port, path: "/metrics").body
            return expected.allSatisfy(scrape.contains)
        }
        for line in expected {
            #expect(scrape.contains(line), "\(line) not in:\n\(scrape.split(separator: "\n").filter { $0.contains("aegis_alert") }.joined(separator: "\n"))")
        }
        #expect(daemon.log.contains("alert notification to \(webhook)/unverified failed"))
        #expect(try await daemon.terminate() == 0)
    }

    /// The JSON objects in `path`, one per line.
    static func lines(_ path: String) -> [[String: Any]] {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }
}
