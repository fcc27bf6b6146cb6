import AegisCore
import AegisSystem
import AegisTestSupport
import Foundation
import Glibc
import Logging
import Synchronization
import Testing
@testable import AegisDaemon

/// What a reload called, in order, as `RecordingReloadTargets` saw it.
enum ReloadCall: Equatable {
    case reloading, ready
    case prepareCertificates, restoreCertificates(AegisConfig)
    case applyServices(restart: [ServiceID], start: [ServiceID], stop: [ServiceID])
    case reloadCertificates([ServiceID])
    case update(AegisConfig)
    case schedulesChanged
    case waitSettled([ServiceID])
}

/// Reload targets that record each call and do what the test scripted: certificates that
/// cannot be made, re-issued certificates, a wait for the services that holds until released.
final class RecordingReloadTargets: ReloadTargets {
    private let state = Mutex(State())

    private struct State {
        var calls: [ReloadCall] = []
        var certificateFailure: String?
        var reissued: [ServiceID] = []
        var holdSettling = false
        var held: [CheckedContinuation<Void, Never>] = []
    }

    var calls: [ReloadCall] { state.withLock { $0.calls } }
    /// Reloads waiting in `waitSettled` for `releaseSettling`.
    var heldCount: Int { state.withLock { $0.held.count } }

    func script(certificateFailure: String? = nil, reissued: [ServiceID] = [], holdSettling: Bool = false) {
        state.withLock {
            $0.certificateFailure = certificateFailure
            $0.reissued = reissued
            $0.holdSettling = holdSettling
        }
    }

    /// Lets every held and later wait for the services return.
    func releaseSettling() {
        let held = state.withLock { state in
            state.holdSettling = false
            defer { state.held = [] }
            return state.held
        }
        for continuation in held { continuation.resume() }
    }

    private func record(_ call: ReloadCall) { state.withLock { $0.calls.append(call) } }

    func announceReloading(_ status: String) { record(.reloading) }
    func announceReady() async { record(.ready) }

    func prepareCertificates(for config: AegisConfig) async throws(SystemError) -> [ServiceID] {
        record(.prepareCertificates)
        let (failure, reissued) = state.withLock { ($0.certificateFailure, $0.reissued) }
        if let failure { throw SystemError(failure) }
        return reissued
    }

    func restoreCertificates(_ config: AegisConfig) async { record(.restoreCertificates(config)) }

    func applyServices(_ plan: ReloadPlan, config: AegisConfig) async {
        record(.applyServices(restart: plan.restart, start: plan.start, stop: plan.stop))
    }

    func reloadCertificates(of services: [ServiceID]) async { record(.reloadCertificates(services)) }
    func update(_ config: AegisConfig) async { record(.update(config)) }
    func schedulesChanged() { record(.schedulesChanged) }

    func waitSettled(_ services: [ServiceID], timeout: Duration) async {
        await withCheckedContinuation { continuation in
            let hold = state.withLock { state in
                state.calls.append(.waitSettled(services))
                if state.holdSettling { state.held.append(continuation) }
                return state.holdSettling
            }
            if !hold { continuation.resume() }
        }
    }
}

/// The reloader's decisions with scripted targets: no server, no certificate, no sleep. The
/// real-server reloads stay in `ReloadTests`.
@Suite struct ReloaderFakeTargetsTests {
    /// A reloader on `config init`'s configuration in a scratch directory, and its file.
    struct Rig {
        let root: String
        let path: String
        var config: AegisConfig
        let targets = RecordingReloadTargets()
        let reloader: Reloader

        init() throws {
            root = try DaemonHarness.makeTemporaryDirectory(prefix: "aegis-reload-fake")
            path = "\(root)/aegisd.toml"
            config = try AegisConfig.forInit(root: root, portBase: 40000)
            config.pitr.enabled = false
            try ConfigRenderer.render(config).write(toFile: path, atomically: true, encoding: .utf8)
            config = try ConfigLoader.load(path: path)  // as the daemon has it, defaults filled in
            let account = ServiceAccount(name: "test", uid: getuid(), gid: getgid(), switchesUser: false)
            let context = DriverContext(config: config, account: account, daemonUser: "test", logger: Logger(label: "test"))
            reloader = Reloader(configPath: path, config: config, context: context, targets: targets)
        }

        /// Writes the file with `change` applied (the reloader has not seen it yet) and keeps
        /// what loading it gives.
        mutating func rewrite(_ change: (inout AegisConfig) -> Void) throws {
            change(&config)
            try ConfigRenderer.render(config).write(toFile: path, atomically: true, encoding: .utf8)
            config = try ConfigLoader.load(path: path)
        }

        func remove() { try? FileManager.default.removeItem(atPath: root) }
    }

    @Test func testAChangedInstance_certificatesFirst_thenOnlyItRestarts_thenTheOthersTakeTheConfiguration() async throws {
        var rig = try Rig()
        defer { rig.remove() }
        rig.targets.script(reissued: [.postgresAI, .redis])
        try rig.rewrite { $0.postgres.instances[.ai]!.workMem = "24MB" }

        let message = try await rig.reloader.reload()

        #expect(message.contains("restarting postgres-ai"), "\(message)")
        // redis's re-issued certificate is loaded in place; postgres-ai's comes with its restart.
        #expect(rig.targets.calls == [
            .reloading, .prepareCertificates,
            .applyServices(restart: [.postgresAI], start: [], stop: []),
            .reloadCertificates([.redis]), .update(rig.config), .waitSettled([.postgresAI]), .ready,
        ])
        #expect(await rig.reloader.config == rig.config)
    }

    @Test func testAScheduleChange_restartsTheScheduler_andNoService() async throws {
        var rig = try Rig()
        defer { rig.remove() }
        try rig.rewrite { $0.backup.schedule = "15 3 * * *" }

        _ = try await rig.reloader.reload()

        #expect(rig.targets.calls == [
            .reloading, .prepareCertificates, .applyServices(restart: [], start: [], stop: []),
            .reloadCertificates([]), .update(rig.config), .schedulesChanged, .waitSettled([]), .ready,
        ])
    }

    /// A rejoin rewrote `[replication]` and the running daemon took it (`adopt`): the parts that
    /// read the configuration get it and the schedules start again, no service is touched, and
    /// a reload of the rewritten file then finds nothing changed (without `adopt` it would be
    /// refused: `[replication]` needs a restart of aegisd).
    @Test func testAdoptedReplication_reachesTheReaders_andAReloadOfTheRewrittenFileChangesNothing() async throws {
        var rig = try Rig()
        defer { rig.remove() }
        try rig.rewrite { config in
            config.replication.role = "standby"
            config.replication.primaryHost = "db-b.example.com"
            config.replication.slotName = "standby_a"
            for service in ReplicationSettings.promotable { config.replication.setPrimaryPort(41000, of: service) }
        }

        await rig.reloader.adopt(replication: rig.config.replication)

        #expect(rig.targets.calls == [.update(rig.config), .schedulesChanged])
        #expect(await rig.reloader.config == rig.config)
        let message = try await rig.reloader.reload()
        #expect(message.contains("nothing changed"), "\(message)")
    }

    @Test func testABadFile_isRefusedWithItsErrors_andNothingIsApplied() async throws {
        let rig = try Rig()
        defer { rig.remove() }
        let before = await rig.reloader.config
        try "[redis]\nport = \"not a number\"\n".write(toFile: rig.path, atomically: true, encoding: .utf8)

        await #expect {
            _ = try await rig.reloader.reload()
        } throws: { error in
            "\(error)".contains("the new configuration has errors; the running one stays in force") && "\(error)".contains("port")
        }
        #expect(rig.targets.calls == [.reloading, .ready], "systemd hears READY=1 again; nothing else is touched")
        #expect(await rig.reloader.config == before)
    }

    @Test func testAKeyThatNeedsADaemonRestart_isRefusedNamingIt() async throws {
        var rig = try Rig()
        defer { rig.remove() }
        let before = rig.config
        try rig.rewrite { $0.supervision.healthIntervalMs += 1000 }

        await #expect {
            _ = try await rig.reloader.reload()
        } throws: { "\($0)".contains("[supervision]") }
        #expect(rig.targets.calls == [.reloading, .ready])
        #expect(await rig.reloader.config == before)
    }

    @Test func testCertificatesThatCannotBeMade_putTheOldConfigurationBack_andNoServiceIsTouched() async throws {
        var rig = try Rig()
        defer { rig.remove() }
        let before = rig.config
        rig.targets.script(certificateFailure: "the CA key is unreadable")
        try rig.rewrite { $0.postgres.instances[.ai]!.workMem = "24MB" }

        await #expect {
            _ = try await rig.reloader.reload()
        } throws: {
            "\($0)".contains("the certificates for the new configuration cannot be made: the CA key is unreadable")
        }
        #expect(rig.targets.calls == [.reloading, .prepareCertificates, .restoreCertificates(before), .ready])
        #expect(await rig.reloader.config == before)
    }

    /// A reload arriving while another waits for its services waits its turn, then reads the
    /// file afresh: the change is applied once, not planned twice against the old configuration.
    @Test func testASecondReloadDuringTheFirst_waitsItsTurn_andAppliesTheChangeOnce() async throws {
        var rig = try Rig()
        defer { rig.remove() }
        rig.targets.script(holdSettling: true)
        try rig.rewrite { $0.postgres.instances[.ai]!.workMem = "24MB" }
        let reloader = rig.reloader
        let targets = rig.targets

        let first = Task { try await reloader.reload() }
        try await Poll.until("the first reload waiting for its services", timeout: .seconds(10)) { targets.heldCount == 1 }
        let second = Task { try await reloader.reload() }
        try await Poll.until("the second reload queued", timeout: .seconds(10)) { await reloader.queuedReloads == 1 }
        #expect(targets.calls.filter { $0 == .reloading }.count == 1, "the second has not begun")
        targets.releaseSettling()

        #expect(try await first.value.contains("restarting postgres-ai"))
        #expect(try await second.value.contains("reloaded"))
        let applied = targets.calls.filter { if case .applyServices = $0 { true } else { false } }
        #expect(applied == [
            .applyServices(restart: [.postgresAI], start: [], stop: []), .applyServices(restart: [], start: [], stop: []),
        ])
        // One after the other: each reload's READY=1 before the next one's RELOADING=1.
        let announcements = targets.calls.filter { $0 == .reloading || $0 == .ready }
        #expect(announcements == [.reloading, .ready, .reloading, .ready])
    }
}
