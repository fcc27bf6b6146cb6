import AegisCore
import AegisSystem
import Foundation
import Glibc
import Logging
import Synchronization
import Testing

@testable import AegisDaemon
import AegisTestSupport

/// A child that writes fast is never slowed by Loki: its pipe is drained by the reader thread
/// whatever the shipper is waiting for. No wall-clock threshold: the test asserts that the
/// child ran to its end and that every line was read and queued, and reports the child's
/// runtime against the same child drained by `cat` as a ratio.
@Suite(.serialized) struct LogBackpressureTests {
    static let lines = 1_000_000

    @Test func testChildPrintingAMillionLines_whileLokiHangs_runsToTheEnd_andEveryLineIsRead() async throws {
        let loki = try LokiStandIn()
        loki.mode = .hang
        let directory = try DaemonHarness.makeTemporaryDirectory(prefix: "aegis-backpressure")
        let intake = LogIntake()
        let router = LogRouter(echo: .none, ringLines: 10, intake: intake)
        var settings = LogShipper.Settings(
            endpoint: try LokiEndpoint(url: loki.url), batch: LogBatcher.Policy(),
            labels: LokiLabelRules(jsonKeys: [], host: "h"), spoolDirectory: directory, spoolMaxBytes: 256 << 20)
        settings.pushTimeout = .seconds(2)
        let shipper = try LogShipper(settings: settings, intake: intake, logger: Logger(label: "test"))
        await shipper.start()

        let account = ServiceAccount(name: "self", uid: getuid(), gid: getgid(), switchesUser: false)
        let spec = LaunchSpec(executable: "/usr/bin/seq", arguments: ["1", String(Self.lines)], account: account)
        let started = ContinuousClock.now
        let status = try await ChildProcess.run(
            spec, drainAhead: true, onLines: ChildOutput(router: router).handler(for: .redis) { nil }, onSpawn: { _ in })
        let throughAegis = ContinuousClock.now - started
        #expect(status == .exited(0), "the child ran to its end")

        try await Poll.until("every line read", timeout: .seconds(60)) { router.linesRead == Self.lines }
        #expect(router.ring(.redis, last: 1, after: nil).map(\.entry.line) == [String(Self.lines)])
        #expect(loki.counts.pushes >= 1, "Loki was asked, and hung")
        #expect(loki.counts.accepted == 0)
        await shipper.stop()
        let final = await shipper.status(linesRead: router.linesRead)
        #expect(final.linesDropped == 0, "nothing refused: the queue spilled to the spool")
        #expect(final.spoolBytes > 0)

        let throughCat = try Self.runtimeDrainedByCat()
        let ratio = throughCat / (Double(throughAegis.components.seconds) + Double(throughAegis.components.attoseconds) / 1e18)
        print("child write rate drained by aegisd vs by cat: \(String(format: "%.2f", ratio)) (1.0 = as fast; aegisd \(throughAegis), cat \(throughCat) s)")
    }

    /// The same child with its stdout drained by `cat > /dev/null`, in seconds.
    static func runtimeDrainedByCat() throws -> Double {
        let started = ContinuousClock.now
        let result = try DaemonHarness.run("/usr/bin/seq 1 \(lines) | cat > /dev/null")
        guard result.status == 0 else { throw TestFailure("seq | cat failed") }
        let elapsed = ContinuousClock.now - started
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}
