import AegisCore
import AegisSystem
import Foundation
import Logging
import Testing

@testable import AegisDaemon
import AegisTestSupport

/// The shipper against `LokiStandIn` (real Loki cannot run here): batches, labels, order,
/// gzip, outages, refusals. Delivery is at-least-once; the stand-in, like Loki, drops an entry
/// identical to one it holds, so what a query shows is every line exactly once.
@Suite(.serialized) struct LogShipperTests {
    struct Rig {
        let loki: LokiStandIn
        let router: LogRouter
        let shipper: LogShipper
        let directory: String
    }

    func makeRig(memoryMaxBytes: Int = 8 << 20, batchMaxBytes: Int = 1 << 20, maxWaitMs: Int64 = 100,
                 fileSources: [(job: String, globs: [String])] = [],
                 configure: (inout LogShipper.Settings) -> Void = { _ in }) throws -> Rig {
        let loki = try LokiStandIn()
        let directory = try DaemonHarness.makeTemporaryDirectory(prefix: "aegis-ship")
        let intake = LogIntake()
        let router = LogRouter(echo: .none, ringLines: 100, intake: intake)
        var settings = LogShipper.Settings(
            endpoint: try LokiEndpoint(url: loki.url),
            batch: LogBatcher.Policy(maxBytes: batchMaxBytes, maxWaitNs: maxWaitMs * 1_000_000),
            labels: LokiLabelRules(jsonKeys: ["status", "level"], host: "testhost"),
            spoolDirectory: directory, spoolMaxBytes: 64 << 20)
        settings.memoryMaxBytes = memoryMaxBytes
        settings.pushTimeout = .seconds(1)
        settings.fileSources = fileSources
        // Short retries so that a test does not wait for Promtail's 0.5 s → 5 min ladder.
        settings.retry.backoff.initialDelayNs = 20_000_000
        settings.retry.backoff.maxDelayNs = 200_000_000
        configure(&settings)
        let shipper = try LogShipper(settings: settings, intake: intake, logger: Logger(label: "test"))
        return Rig(loki: loki, router: router, shipper: shipper, directory: directory)
    }

    @Test func testBatches_carryLabelsAndKeepPerStreamOrder_gzipped() async throws {
        let rig = try makeRig(batchMaxBytes: 2048)
        await rig.shipper.start()
        for n in 1...300 {
            rig.router.line("redis line \(n)", service: .redis, stream: .stdout, pid: 7)
            rig.router.line("2026-11-28 17:00:00.000 UTC [9] LOG:  pg line \(n)", service: .postgresBackend, stream: .stderr, pid: 9)
        }
        rig.router.line(#"{"status":"failed","level":"error","msg":"x"}"#, service: .redis, stream: .stdout, pid: 7)
        rig.router.flushDue(all: true)
        try await Poll.until("601 entries in Loki") { rig.loki.counts.accepted == 601 }
        await rig.shipper.stop()

        let streams = rig.loki.streams
        let redis = try #require(streams[["job": "aegisd", "service": "redis", "host": "testhost", "level": "info"]])
        #expect(redis.map(\.line) == (1...300).map { "redis line \($0)" })
        #expect(redis.map(\.timestampNs) == redis.map(\.timestampNs).sorted())
        let postgres = try #require(streams[["job": "aegisd", "service": "postgres-backend", "host": "testhost", "level": "info"]])
        #expect(postgres.count == 300)
        #expect(streams[["job": "aegisd", "service": "redis", "host": "testhost", "level": "error", "status": "failed"]]?.count == 1)
        let counts = rig.loki.counts
        #expect(counts.pushes > 1, "2 KiB batches: 600 lines cannot fit one push")
        #expect(counts.pushes < 601, "lines are batched, not pushed one by one")
        #expect(counts.gzipped == counts.pushes)
        // The stand-in stores a push before it answers: the shipper counts it once the answer is in.
        try await Poll.until("the shipped count") { await rig.shipper.status(linesRead: 0).linesShipped == 601 }
        let status = await rig.shipper.status(linesRead: rig.router.linesRead)
        #expect(status.linesRead == 601 && status.linesShipped == 601 && status.linesDropped == 0)
    }

    @Test func testLokiAbsentThenBack_everyLineArrivesInOrderPerStream() async throws {
        // A small memory queue: the outage spills batches to the spool on disk.
        let rig = try makeRig(memoryMaxBytes: 4096, batchMaxBytes: 1024, maxWaitMs: 20)
        rig.loki.goAway()
        await rig.shipper.start()
        for n in 1...2000 {
            rig.router.line("a \(n)", service: .redis, stream: .stdout, pid: 1)
            rig.router.line("b \(n)", service: .postgresAI, stream: .stdout, pid: 2)
        }
        rig.router.flushDue(all: true)
        try await Poll.until("the outage to fill the spool on disk") {
            let status = await rig.shipper.status(linesRead: 0)
            return rig.router.linesRead == 4000 && status.spoolBytes > 0 && status.retries >= 2
        }
        try rig.loki.comeBack()
        try await Poll.until("all 4000 lines in Loki", timeout: .seconds(30)) { rig.loki.counts.accepted == 4000 }
        #expect(rig.loki.lines(matching: ["service": "redis"]) == [(1...2000).map { "a \($0)" }])
        #expect(rig.loki.lines(matching: ["service": "postgres-ai"]) == [(1...2000).map { "b \($0)" }])
        #expect(rig.loki.counts.refused == 0, "no push was out of order")
        try await Poll.until("the shipped count") { await rig.shipper.status(linesRead: 0).linesShipped == 4000 }
        let status = await rig.shipper.status(linesRead: rig.router.linesRead)
        #expect(status.linesShipped == 4000 && status.linesDropped == 0 && status.spoolBytes == 0)
        await rig.shipper.stop()
    }

    @Test func testLostAnswer_isSentAgain_atLeastOnce_andLokiKeepsOneCopy() async throws {
        let rig = try makeRig()
        rig.loki.mode = .storeWithoutAnswer
        await rig.shipper.start()
        for n in 1...10 { rig.router.line("line \(n)", service: .redis, stream: .stdout, pid: 1) }
        rig.router.flushDue(all: true)
        try await Poll.until("the first push stored, its answer lost") { rig.loki.counts.pushes >= 2 }
        rig.loki.mode = .accept
        try await Poll.until("the resend acknowledged") { await rig.shipper.status(linesRead: 0).linesShipped == 10 }
        // At-least-once: the same batch reached Loki more than once …
        #expect(rig.loki.counts.duplicates >= 10)
        // … and each line is there exactly once.
        #expect(rig.loki.lines(matching: ["service": "redis"]) == [(1...10).map { "line \($0)" }])
        await rig.shipper.stop()
    }

    @Test func testA400_isDroppedAndCounted_andLaterBatchesArrive() async throws {
        let rig = try makeRig()
        rig.loki.mode = .status(400)
        await rig.shipper.start()
        for n in 1...5 { rig.router.line("refused \(n)", service: .redis, stream: .stdout, pid: 1) }
        rig.router.flushDue(all: true)
        try await Poll.until("the refused batch dropped") { await rig.shipper.status(linesRead: 0).linesDropped == 5 }
        #expect(await rig.shipper.status(linesRead: 0).linesDroppedByReason == ["loki_refused": 5, "spool_full": 0, "queue_full": 0])
        rig.loki.mode = .accept
        for n in 1...5 { rig.router.line("later \(n)", service: .redis, stream: .stdout, pid: 1) }
        rig.router.flushDue(all: true)
        try await Poll.until("the later batch in Loki") { rig.loki.counts.accepted == 5 }
        #expect(rig.loki.lines(matching: ["service": "redis"]) == [(1...5).map { "later \($0)" }])
        let status = await rig.shipper.status(linesRead: rig.router.linesRead)
        #expect(status.retries == 0, "a 400 is never retried")
        #expect(status.lastError?.contains("400") == true)
        #expect(rig.loki.counts.pushes == 2)
        await rig.shipper.stop()
    }

    @Test func testFileSource_rotatedByRenameAndTruncation_losesNoLine() async throws {
        let logDirectory = try DaemonHarness.makeTemporaryDirectory(prefix: "aegis-app-logs")
        let rig = try makeRig(fileSources: [("aegis-backend", [logDirectory + "/*.log"])])
        let log = logDirectory + "/backend.log"
        func write(_ lines: ClosedRange<Int>) throws {
            let text = lines.map { #"{"status":"ok","n":\#($0)}"# + "\n" }.joined()
            if let handle = FileHandle(forWritingAtPath: log) {
                try handle.seekToEnd()
                try handle.write(contentsOf: Data(text.utf8))
                try handle.close()
            } else {
                try text.write(toFile: log, atomically: false, encoding: .utf8)
            }
        }
        await rig.shipper.start()
        try write(1...100)
        try await Poll.until("the first lines") { rig.loki.counts.accepted == 100 }
        try write(101...150)
        try FileManager.default.moveItem(atPath: log, toPath: logDirectory + "/backend.log.1")
        try write(151...200)
        try await Poll.until("the lines around the rename") { rig.loki.counts.accepted == 200 }
        let handle = try #require(FileHandle(forWritingAtPath: log))
        try handle.truncate(atOffset: 0)
        try handle.close()
        try write(201...210)
        try await Poll.until("the lines after the truncation") { rig.loki.counts.accepted == 210 }
        await rig.shipper.stop()
        let lines = rig.loki.lines(matching: ["job": "aegis-backend", "status": "ok"])
        #expect(lines == [(1...210).map { #"{"status":"ok","n":\#($0)}"# }])
    }

    // MARK: - A remote Loki's tenant and credentials

    @Test func testRemoteLoki_wrongCredentials_areRetriedAsAConfigurationProblem_neverDropped_untilAReloadFixesThem() async throws {
        let wrong = LokiCredentials(tenant: "acme", authorization: .basic(username: "shipper", password: "old-password"))
        let right = LokiCredentials(tenant: "acme", authorization: .basic(username: "shipper", password: "new-password"))
        let rig = try makeRig { $0.credentials = wrong }
        rig.loki.credentials = .init(tenant: "acme", authorization: right.headers.last?.value)
        await rig.shipper.start()
        for n in 1...20 { rig.router.line("line \(n)", service: .redis, stream: .stdout, pid: 1) }
        rig.router.flushDue(all: true)
        try await Poll.until("the refusals retried with backoff") { await rig.shipper.status(linesRead: 0).retries >= 3 }
        var status = await rig.shipper.status(linesRead: rig.router.linesRead)
        #expect(status.linesDropped == 0 && status.linesShipped == 0, "a 401 never drops the batch")
        let error = try #require(status.lastError)
        #expect(error.hasPrefix("Loki refused the credentials: HTTP 401 unauthorized (sent tenant acme, basic auth as shipper)"), "\(error)")
        #expect(!error.contains("old-password") && !error.contains(wrong.headers.last!.value))
        #expect(rig.loki.unauthorized == rig.loki.counts.pushes && rig.loki.counts.accepted == 0)
        #expect(rig.loki.lastHeaders.tenant == "acme")

        // The new credentials of a reload take effect with the next push.
        await rig.shipper.updateCredentials(.success(right))
        try await Poll.until("the batch accepted with the new password") { rig.loki.counts.accepted == 20 }
        #expect(rig.loki.lines(matching: ["service": "redis"]) == [(1...20).map { "line \($0)" }])
        // The stand-in stores a push before it answers: the shipper counts it once the answer is in.
        try await Poll.until("the shipped count") { await rig.shipper.status(linesRead: 0).linesShipped == 20 }
        status = await rig.shipper.status(linesRead: rig.router.linesRead)
        #expect(status.linesShipped == 20 && status.linesDropped == 0)
        await rig.shipper.stop()
    }

    @Test func testRemoteLoki_unreadableCredentials_holdTheBatches_withTheReasonInStatus() async throws {
        // No memory queue: the held batch goes to the spool, where status shows it.
        let rig = try makeRig(memoryMaxBytes: 1, maxWaitMs: 20) {
            $0.credentialsError = LokiCredentialError(key: "loki_bearer_token_file", reason: "cannot read /etc/aegis/loki.token")
        }
        rig.loki.credentials = .init(authorization: "Bearer tok-1")
        await rig.shipper.start()
        rig.router.line("kept", service: .redis, stream: .stdout, pid: 1)
        rig.router.flushDue(all: true)
        try await Poll.until("the batch held in the spool") { await rig.shipper.status(linesRead: 0).spoolBytes > 0 }
        var status = await rig.shipper.status(linesRead: 0)
        #expect(status.lastError?.contains("logs.loki_bearer_token_file") == true)
        #expect(rig.loki.counts.pushes == 0, "nothing is pushed without the credentials")
        await rig.shipper.updateCredentials(.success(LokiCredentials(authorization: .bearer(token: "tok-1"))))
        try await Poll.until("the held line accepted with the token") { rig.loki.counts.accepted == 1 }
        #expect(rig.loki.lastHeaders.authorization == "Bearer tok-1" && rig.loki.unauthorized == 0)
        status = await rig.shipper.status(linesRead: 0)
        #expect(status.lastError == nil && status.retries == 0)
        await rig.shipper.stop()
    }

    @Test func testRemoteLoki_unreachable_isAnError_retriedWithBackoff() async throws {
        let rig = try makeRig()
        rig.loki.goAway()
        await rig.shipper.start()
        rig.router.line("to a Loki that is down", service: .redis, stream: .stdout, pid: 1)
        rig.router.flushDue(all: true)
        try await Poll.until("retries against the remote Loki") { await rig.shipper.status(linesRead: 0).retries >= 2 }
        let status = await rig.shipper.status(linesRead: 0)
        #expect(status.waitingFor == nil)
        #expect(status.lastError?.contains("push to \(rig.loki.url) failed") == true, "\(status)")
        await rig.shipper.stop()
    }

    // MARK: - The supervised Loki

    @Test func testSupervisedLoki_notRunning_shippingWaitsQuietly_andResumesWhenLokiRuns() async throws {
        // No memory queue: what waits goes to the spool, where status shows it.
        let rig = try makeRig(memoryMaxBytes: 1, batchMaxBytes: 1024, maxWaitMs: 20) { $0.supervisedLoki = true }
        func loki(_ state: ServiceStateName, _ message: String? = nil) -> ServiceStatus {
            ServiceStatus(name: "loki", state: state, healthy: state == .running, pid: nil, restarts: 0, message: message)
        }
        rig.shipper.lokiStatusChanged(loki(.unavailable, "Grafana Loki is not installed"))
        await rig.shipper.start()
        for n in 1...300 { rig.router.line("waiting line \(n)", service: .redis, stream: .stdout, pid: 1) }
        rig.router.flushDue(all: true)
        try await Poll.until("the batches spooled while Loki is unavailable") {
            await rig.shipper.status(linesRead: 0).spoolBytes > 0
        }
        var status = await rig.shipper.status(linesRead: rig.router.linesRead)
        #expect(status.waitingFor == "loki (unavailable: Grafana Loki is not installed)")
        #expect(status.retries == 0 && status.lastError == nil && status.linesDropped == 0, "\(status)")
        #expect(rig.loki.counts.pushes == 0, "nothing is pushed to a Loki that does not run")

        rig.shipper.lokiStatusChanged(loki(.starting))
        #expect(await rig.shipper.status(linesRead: 0).waitingFor == "loki (starting)")
        rig.shipper.lokiStatusChanged(loki(.running))
        try await Poll.until("every waiting line in Loki once it runs") { rig.loki.counts.accepted == 300 }
        #expect(rig.loki.lines(matching: ["service": "redis"]) == [(1...300).map { "waiting line \($0)" }])
        // The spool gives a batch's bytes up after Loki's answer, a moment after Loki counted it.
        try await Poll.until("the spool emptied") { await rig.shipper.status(linesRead: 0).spoolBytes == 0 }
        status = await rig.shipper.status(linesRead: rig.router.linesRead)
        #expect(status.waitingFor == nil && status.retries == 0 && status.lastError == nil)

        // Stopped again (e.g. `aegisctl stop loki`): waiting again, no errors.
        rig.loki.goAway()
        rig.shipper.lokiStatusChanged(loki(.stopped))
        for n in 1...300 { rig.router.line("later line \(n)", service: .redis, stream: .stdout, pid: 1) }
        rig.router.flushDue(all: true)
        try await Poll.until("the later batches spooled") { await rig.shipper.status(linesRead: 0).spoolBytes > 0 }
        status = await rig.shipper.status(linesRead: 0)
        #expect(status.waitingFor == "loki (stopped)" && status.retries == 0 && status.lastError == nil)
        await rig.shipper.stop()
    }

    /// Queued batches are gzip bodies; a spool written before that holds plain JSON, which the
    /// pusher still compresses and delivers after an upgrade.
    @Test func testPusher_sendsGzipBodiesAsTheyAre_andCompressesPlainJSONFromAnOlderSpool() throws {
        let loki = try LokiStandIn()
        let pusher = LokiPusher(endpoint: try LokiEndpoint(url: loki.url), timeout: .seconds(5))
        let json = Array(#"{"streams":[{"stream":{"job":"old"},"values":[["1","from an old spool"]]}]}"#.utf8)
        #expect(try pusher.push(body: json).status == 204)
        let compressed = try LokiPusher.compressedBody(json: Array(
            #"{"streams":[{"stream":{"job":"new"},"values":[["2","compressed when queued"]]}]}"#.utf8))
        #expect(compressed.starts(with: [0x1F, 0x8B]))
        #expect(try pusher.push(body: compressed).status == 204)
        #expect(loki.lines(matching: ["job": "old"]).flatMap { $0 } == ["from an old spool"])
        #expect(loki.lines(matching: ["job": "new"]).flatMap { $0 } == ["compressed when queued"])
        #expect(loki.counts.gzipped == 2)
    }
}

