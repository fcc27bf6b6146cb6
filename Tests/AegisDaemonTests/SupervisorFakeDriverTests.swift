import AegisCore
import AegisSystem
import Foundation
import Glibc
import Logging
import Synchronization
import Testing
@testable import AegisDaemon

/// A driver whose server is `sleep 600` run as ourselves, with health answers the test sets: the
/// supervisor's whole event flow (spawn, health, exit, restart, the stop ladder, shutdown) with a
/// real child process and no real server, in well under a second per test.
struct FakeDriver: ServiceDriver {
    let service: ServiceID
    let stopPlan = StopPlan([StopStep(.terminate, wait: .seconds(2))])
    let healthy: FakeHealth
    var releases = FakeReleases()

    func prepare() async throws(LaunchFailure) -> LaunchSpec {
        LaunchSpec(
            executable: "/bin/sleep", arguments: ["600"],
            account: ServiceAccount(name: "test", uid: getuid(), gid: getgid(), switchesUser: false))
    }

    func checkHealth(timeout: Duration) async -> HealthResult {
        healthy.value ? .healthy : .unhealthy("the test said so")
    }

    func releaseConnections() {
        releases.count += 1
    }
}

/// How many times the supervisor told a `FakeDriver` to let go of its connections.
final class FakeReleases: Sendable {
    private let state = Mutex(0)
    var count: Int {
        get { state.withLock { $0 } }
        set { state.withLock { $0 = newValue } }
    }
}

/// The health a `FakeDriver` reports, changed by the test at will.
final class FakeHealth: Sendable {
    private let state = Mutex(true)
    var value: Bool {
        get { state.withLock { $0 } }
        set { state.withLock { $0 = newValue } }
    }
}

@Suite struct SupervisorFakeDriverTests {
    func supervisor(_ services: [ServiceID], health: FakeHealth, root: String, releases: FakeReleases = FakeReleases()) -> Supervisor {
        var settings = SupervisionSettings()
        settings.healthIntervalMs = 100
        settings.healthTimeoutMs = 100
        settings.startTimeoutS = 10
        return Supervisor(
            drivers: services.map { FakeDriver(service: $0, healthy: health, releases: releases) }, settings: settings,
            layout: StateLayout(root: root), logger: Logger(label: "test"),
            output: ChildOutput(router: LogRouter(echo: .none, ringLines: 10, intake: nil)))
    }

    @Test func testKill9_restartsAndCounts_thenStopAllLeavesNoProcessAndNoTask() async throws {
        let root = try DaemonHarness.makeTemporaryDirectory(prefix: "aegis-fake")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let supervisor = supervisor([.redis, .loki], health: FakeHealth(), root: root)
        await supervisor.startAll()
        let started = await supervisor.status().services
        #expect(started.allSatisfy { $0.healthy && $0.pid != nil }, "\(started)")
        let first = try #require(started.first { $0.name == "redis" }?.pid)

        // The changes as the supervisor publishes them: the exit (a failure), then the way back.
        let changes = supervisor.changeStream()
        kill(first, SIGKILL)
        var seen: [ServiceChange] = []
        for await change in changes where change.service == .redis {
            seen.append(change)
            if change.to == .running && change.healthy { break }
        }
        #expect(seen.first?.from == .running && seen.first?.failure?.isEmpty == false, "\(seen)")
        #expect(seen.compactMap(\.failure).count == 1, "one failure, announced once: \(seen)")
        let redis = try #require(await supervisor.serviceStatus(.redis))
        #expect(redis.healthy && redis.restarts == 1 && redis.pid != first, "\(redis)")

        let pids = await supervisor.status().services.compactMap(\.pid)
        await supervisor.stopAll()
        #expect(await supervisor.status().services.allSatisfy { $0.state == .stopped && $0.pid == nil })
        #expect(pids.allSatisfy { !ProcessTable.isAlive($0) }, "every child is gone")
        #expect(await supervisor.liveTaskCount == 0, "no task of the supervisor outlives stopAll")
        // stopAll ends every stream, so no one waits on a supervisor that is done.
        let ended = supervisor.changeStream()
        for await _ in ended {}
        #expect(supervisor.broadcast.subscriberCount == 0)
    }

    @Test func testHungService_isKilledAndRestarted_thenRecovers() async throws {
        let root = try DaemonHarness.makeTemporaryDirectory(prefix: "aegis-fake")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let health = FakeHealth()
        let supervisor = supervisor([.redis], health: health, root: root)
        await supervisor.startAll()
        let first = try #require(await supervisor.serviceStatus(.redis)?.pid)
        let changesBefore = await supervisor.changeCount

        health.value = false  // as a SIGSTOPped server: alive, never answering
        await supervisor.waitUntil([.redis], timeout: .seconds(10)) { $0.pid != first }
        #expect(!ProcessTable.isAlive(first), "the hung process was killed")
        #expect(await supervisor.changeCount > changesBefore, "each step was announced")
        health.value = true
        await supervisor.waitUntil([.redis], timeout: .seconds(10)) { $0.healthy }
        let redis = try #require(await supervisor.serviceStatus(.redis))
        #expect(redis.healthy && redis.restarts == 1, "\(redis)")
        await supervisor.stopAll()
        #expect(await supervisor.liveTaskCount == 0)
    }

    @Test func testStop_tellsTheDriverToLetGoOfItsConnectionsBeforeSignalling() async throws {
        let root = try DaemonHarness.makeTemporaryDirectory(prefix: "aegis-fake")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let releases = FakeReleases()
        let supervisor = supervisor([.postgresAI], health: FakeHealth(), root: root, releases: releases)
        await supervisor.startAll()
        #expect(releases.count == 0, "a running service keeps its connections")
        let pid = try #require(await supervisor.serviceStatus(.postgresAI)?.pid)
        await supervisor.stop(.postgresAI)
        // One rung (SIGTERM) stops `sleep`: one release, before it (a PostgreSQL smart
        // shutdown would wait for a connection still open).
        await supervisor.waitUntil([.postgresAI], timeout: .seconds(10)) { $0.pid == nil }
        #expect(!ProcessTable.isAlive(pid))
        #expect(releases.count == 1)
        await supervisor.stopAll()
        #expect(await supervisor.liveTaskCount == 0)
    }
}
