import AegisCore
import AegisSystem
import AegisTestSupport
import Foundation
import Glibc
import Logging
import Testing
@testable import AegisDaemon

/// The notifier's deliveries are child tasks of `run`: a hook that hangs is killed when `run`
/// is cancelled, and no delivery outlives it.
@Suite struct AlertNotifierRunTests {
    static let event = AlertEvent(
        condition: AlertCondition(kind: .backupFailed, subject: "redis", summary: "the test raised it"), state: .firing, at: 0)

    @Test func testCancellingRun_killsAHangingHook_andNoDeliveryOutlivesIt() async throws {
        let root = try DaemonHarness.makeTemporaryDirectory(prefix: "aegis-notifier")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let notifier = AlertNotifier(
            targets: [
                AlertNotifySettings(command: ["/bin/sh", "-c", "cat >> \(root)/hook.out"]),
                AlertNotifySettings(command: ["/bin/sleep", "600"], timeoutS: 600),
            ],
            logger: Logger(label: "test"))
        // Queued before `run` starts: delivered once it does.
        notifier.send(Self.event, repeat: false)
        let running = Task { await notifier.run() }

        try await Poll.until("the hook's delivery and the hanging command", timeout: .seconds(20)) {
            notifier.deliveries.contains { $0.target == "/bin/sh" && $0.outcome == "delivered" }
                && notifier.runningCommands.count == 1
        }
        let hanging = try #require(notifier.runningCommands.first)
        #expect(notifier.tally.count == 1, "only the hanging delivery is still running")
        #expect(try String(contentsOfFile: "\(root)/hook.out", encoding: .utf8).contains("\"alert\":\"AegisBackupFailed\""))

        running.cancel()
        await running.value

        #expect(notifier.tally.count == 0, "no delivery outlives run")
        #expect(!ProcessTable.isAlive(hanging), "the hanging hook was killed")
        #expect(notifier.deliveries.contains { $0.target == "/bin/sleep" && $0.outcome == "failed" })
        // After run: dropped, not queued for ever.
        notifier.send(Self.event, repeat: true)
        #expect(notifier.tally.count == 0 && notifier.runningCommands.isEmpty)
    }
}
