import AegisCore
import AegisSystem
import AegisTestSupport
import Foundation
import Glibc
import Logging
import Synchronization
import Testing
@testable import AegisDaemon

/// A backup source that streams bytes the test chose, or fails, or holds mid-stream until
/// released: the coordinator's whole flow (claim, runner, manifest, retention, status) without
/// a server.
final class ScriptedSource: BackupSource {
    let service: ServiceID
    private let state = Mutex(Script())

    private struct Script {
        var bytes = Array("scripted backup\n".utf8)
        var failure: String?
        var hold = false
        var held: CheckedContinuation<Void, Never>?
        var streaming = 0
    }

    init(_ service: ServiceID) { self.service = service }

    func script(bytes: [UInt8]? = nil, failure: String? = nil, hold: Bool = false) {
        state.withLock {
            if let bytes { $0.bytes = bytes }
            $0.failure = failure
            $0.hold = hold
        }
    }

    /// Streams begun and not finished.
    var streaming: Int { state.withLock { $0.streaming } }

    func release() {
        let held = state.withLock { state in
            state.hold = false
            defer { state.held = nil }
            return state.held
        }
        held?.resume()
    }

    func stream(into sink: SinkHandoff) async throws -> BackupSourceFacts {
        let (bytes, failure) = state.withLock { state in
            state.streaming += 1
            return (state.bytes, state.failure)
        }
        defer { state.withLock { $0.streaming -= 1 } }
        try bytes.withUnsafeBytes { try sink.sink.write($0) }
        await withCheckedContinuation { continuation in
            let hold = state.withLock { state in
                if state.hold { state.held = continuation }
                return state.hold
            }
            if !hold { continuation.resume() }
        }
        if let failure { throw SystemError(failure) }
        return BackupSourceFacts(database: nil, serverVersion: "scripted 1.0", rowCounts: ["db0": 7])
    }
}

/// A supervisor whose services are as healthy as the test says.
final class ScriptedSupervision: BackupSupervision {
    private let unhealthy = Mutex<Set<ServiceID>>([])

    func setHealthy(_ service: ServiceID, _ healthy: Bool) {
        unhealthy.withLock { if healthy { $0.remove(service) } else { $0.insert(service) } }
    }

    func serviceStatus(_ id: ServiceID) async -> ServiceStatus? {
        let healthy = !unhealthy.withLock { $0.contains(id) }
        return ServiceStatus(name: id.rawValue, state: healthy ? .running : .backoff, healthy: healthy, pid: healthy ? 1 : nil, restarts: 0)
    }

    func stop(_ id: ServiceID) async {}
    func start(_ id: ServiceID) async {}
    func waitUntil(_ ids: [ServiceID], timeout: Duration, _ predicate: @escaping @Sendable (ServiceStatus) -> Bool) async {}
}

/// The time of day as the test sets it.
final class ManualDayClock: Sendable {
    private let current = Mutex(UTCTimestamp(year: 2026, month: 3, day: 1, hour: 2))
    var now: UTCTimestamp { current.withLock { $0 } }
    func advance(days: Int = 0, seconds: Int64 = 0) {
        current.withLock { $0 = $0.adding(seconds: Int64(days) * 86_400 + seconds) }
    }
}

@Suite struct BackupCoordinatorFakeTests {
    struct Rig {
        let root: String
        let source = ScriptedSource(.redis)
        let supervision = ScriptedSupervision()
        let clock = ManualDayClock()
        let coordinator: BackupCoordinator

        init(_ configure: (inout AegisConfig) -> Void = { _ in }) throws {
            root = try DaemonHarness.makeTemporaryDirectory(prefix: "aegis-backup-fake")
            var config = try AegisConfig.forInit(root: root, portBase: 40000)
            config.backup.encryption = "none"
            config.backup.minFreePercent = 0
            configure(&config)
            let source = source
            let clock = clock
            coordinator = BackupCoordinator(
                config: config, account: ServiceAccount(name: "test", uid: getuid(), gid: getgid(), switchesUser: false),
                supervisor: supervision, logger: Logger(label: "test"), makeSources: { _, _ in [.redis: source] },
                clock: { clock.now })
        }

        func remove() { try? FileManager.default.removeItem(atPath: root) }
    }

    @Test func testABackup_isCommittedWithItsManifest_andStatusShowsIt() async throws {
        let rig = try Rig()
        defer { rig.remove() }
        let bytes = Array(repeating: UInt8(ascii: "x"), count: 100_000)
        rig.source.script(bytes: bytes)

        let manifest = try await rig.coordinator.backup(.redis)

        #expect(manifest.status == .complete, "\(manifest)")
        #expect(manifest.startedAt == rig.clock.now && manifest.plainSize == Int64(bytes.count))
        #expect(manifest.rowCounts == ["db0": 7] && manifest.serverVersion == "scripted 1.0")
        let items = await rig.coordinator.list(.redis)
        #expect(items.count == 1 && items.first?.fileExists == true && items.first?.manifest == manifest)
        // The file is what was streamed, gzipped.
        let stored = try #require(items.first?.path)
        #expect(try DaemonHarness.shell("gunzip -c '\(stored)' | wc -c") == "100000")
        let status = try #require(await rig.coordinator.statuses(now: rig.clock.now).first)
        #expect(status.lastSuccessFile == manifest.file && status.lastFailureAt == nil && status.newestAgeSeconds == 0)
    }

    @Test func testASourceThatFails_leavesAFailedManifestWithTheReason_andNoFile() async throws {
        let rig = try Rig()
        defer { rig.remove() }
        rig.source.script(failure: "the snapshot was cut short")

        let manifest = try await rig.coordinator.backup(.redis)

        #expect(manifest.status == .failed && manifest.error == "the snapshot was cut short", "\(manifest)")
        let items = await rig.coordinator.list(.redis)
        #expect(items.count == 1 && items.first?.fileExists == false, "only the failed attempt's manifest: \(items)")
        #expect(await rig.coordinator.catalog.leftovers(of: .redis).isEmpty, "no temporary file is left")
        let status = try #require(await rig.coordinator.statuses(now: rig.clock.now).first)
        #expect(status.lastFailureReason == "the snapshot was cut short" && status.lastSuccessAt == nil)
    }

    @Test func testAnUnhealthyService_orOneWithoutBackups_isRefusedBeforeAnythingIsWritten() async throws {
        let rig = try Rig()
        defer { rig.remove() }
        rig.supervision.setHealthy(.redis, false)

        await #expect { _ = try await rig.coordinator.backup(.redis) } throws: {
            "\($0)" == "redis is backoff, not healthy: start it first"
        }
        await #expect { _ = try await rig.coordinator.backup(.loki) } throws: {
            "\($0)".contains("loki has no backups (only enabled PostgreSQL instances and Redis do)")
        }
        #expect(rig.source.streaming == 0)
        #expect(await rig.coordinator.list(nil).isEmpty)
    }

    @Test func testASecondOperationOnABusyService_isRefused_andTheFirstIsShownAsActivity() async throws {
        let rig = try Rig()
        defer { rig.remove() }
        rig.source.script(hold: true)
        let coordinator = rig.coordinator
        let first = Task { try await coordinator.backup(.redis) }
        let source = rig.source
        try await Poll.until("the first backup streaming", timeout: .seconds(10)) { source.streaming == 1 }

        #expect(await coordinator.activity().map(\.operation) == ["backup"])
        await #expect { _ = try await coordinator.backup(.redis) } throws: {
            "\($0)" == "a backup, restore or drill of redis is already running"
        }
        rig.source.release()
        #expect(try await first.value.status == .complete)
        #expect(await coordinator.activity().isEmpty, "the claim is released")
        rig.clock.advance(seconds: 1)
        #expect(try await coordinator.backup(.redis).status == .complete, "and the service can be backed up again")
    }

    @Test func testTooLittleFreeSpace_isRecordedAsTheLastFailure_andNothingIsWritten() async throws {
        let rig = try Rig { $0.backup.minFreePercent = 100 }
        defer { rig.remove() }

        await #expect { _ = try await rig.coordinator.backup(.redis) } throws: {
            "\($0)".contains("refused to protect free space")
        }
        #expect(rig.source.streaming == 0)
        #expect(await rig.coordinator.list(.redis).isEmpty)
        let status = try #require(await rig.coordinator.statuses(now: rig.clock.now).first)
        #expect(status.lastFailureAt == rig.clock.now && status.lastFailureReason?.contains("free space") == true)
    }

    /// Retention runs after each successful backup, on the injected clock: past `retention_days`
    /// and beyond the newest `keep_at_least` go, and so does a failed attempt older than a day.
    @Test func testRetention_afterASuccess_removesWhatTheRulesSay() async throws {
        let rig = try Rig {
            $0.backup.retentionDays = 7
            $0.backup.keepAtLeast = 2
        }
        defer { rig.remove() }
        var kept: [String] = []
        for day in 0..<3 {
            if day > 0 { rig.clock.advance(days: 1) }
            let manifest = try await rig.coordinator.backup(.redis)
            #expect(manifest.status == .complete)
            if day == 2 { kept.append(manifest.file) }
        }
        rig.clock.advance(days: 1)
        rig.source.script(failure: "cut short")
        #expect(try await rig.coordinator.backup(.redis).status == .failed)
        #expect(await rig.coordinator.list(.redis).count == 4, "nothing removed before a success")

        rig.clock.advance(days: 27)
        rig.source.script()
        kept.append(try await rig.coordinator.backup(.redis).file)

        let left = await rig.coordinator.list(.redis).compactMap { $0.manifest?.file }
        #expect(left == kept, "the two newest complete backups remain: \(left)")
    }
}
