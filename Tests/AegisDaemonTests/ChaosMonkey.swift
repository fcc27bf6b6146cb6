import AegisCore
import AegisSystem
import Foundation
import Glibc
import AegisTestSupport

/// Injects a chaos plan's faults into a running daemon and keeps the books a run is judged by:
/// faults per kind, the restarts each service must show, the longest recovery per kind, the
/// moments Redis was killed (its persistence promise depends on them), and every problem seen.
/// Child faults on different services overlap, and so do reloads, rotations and backups; a
/// kill of aegisd waits until every service has recovered.
/// Used from one task: the recoveries run as child tasks and only return what they measured.
final class ChaosMonkey: @unchecked Sendable {
    struct Recovery: Sendable {
        let kind: ChaosFault.Kind
        let target: ServiceID
        let started: ContinuousClock.Instant
        let task: Task<Duration, Error>
    }

    let daemon: DaemonHarness
    private(set) var injected: [ChaosFault.Kind: Int] = [:]
    private(set) var longestRecovery: [ChaosFault.Kind: Duration] = [:]
    /// Restarts the status must show for each service of the running aegisd (a new aegisd counts
    /// from zero).
    private(set) var expectedRestarts: [ServiceID: Int] = [:]
    /// From a fault that stopped Redis abruptly until it was healthy again.
    private(set) var redisKillWindows: [ClosedRange<ContinuousClock.Instant>] = []
    private(set) var problems: [String] = []
    /// Restart counts compared with the faults: after every child fault and reload, before
    /// every kill of aegisd, and at the end.
    private(set) var restartChecks = 0
    private var inFlight: [ServiceID: Recovery] = [:]

    init(daemon: DaemonHarness) { self.daemon = daemon }

    var totalInjected: Int { injected.values.reduce(0, +) }

    func inject(_ fault: ChaosFault) async throws {
        switch fault.kind {
        case .killChild, .stopChild: try await injectChildFault(fault)
        case .killDaemon: try await killDaemon()
        case .reload: try await reload(fault.target)
        case .rotateCertificates: try await rotateCertificates()
        case .backup: try await backup(fault.target)
        }
    }

    /// Waits for every child fault's recovery.
    func drain() async throws {
        for service in ChaosPlan.services { try await finish(service) }
    }

    // MARK: - Child faults

    private func injectChildFault(_ fault: ChaosFault) async throws {
        let target = idleService(from: fault.target)
        try await finish(target)
        let before = try daemon.service(target)
        guard before.healthy, let pid = before.pid else {
            problems.append("\(target.rawValue) was not healthy before a fault: \(before)")
            return
        }
        let started = ContinuousClock.now
        kill(pid, fault.kind == .killChild ? SIGKILL : SIGSTOP)
        count(fault.kind)
        expectedRestarts[target, default: 0] += 1
        let daemon = self.daemon
        let stopped = fault.kind == .stopChild
        let expected = expectedRestarts[target]!
        let task = Task<Duration, Error> {
            let restarts = try await Self.waitReplaced(daemon, target, oldPid: pid)
            if restarts != expected {
                throw RecoveryProblem(
                    text: "\(fault.kind.rawValue) of \(target.rawValue): \(restarts) restarts, the faults account for \(expected)")
            }
            // aegisd kills a hung child; one still there would be a leftover.
            if stopped && ProcessTable.isAlive(pid) {
                kill(pid, SIGCONT)
                throw RecoveryProblem(text: "\(target.rawValue): the SIGSTOPped pid \(pid) was left running after its replacement")
            }
            return ContinuousClock.now - started
        }
        inFlight[target] = Recovery(kind: fault.kind, target: target, started: started, task: task)
    }

    /// The drawn service if it is not recovering from an earlier fault, else the next one (in
    /// the plan's order) that is not; the drawn one when all are. Keeps four services busy
    /// instead of queueing behind one, at the price of a replay choosing by what is recovering
    /// at that moment.
    private func idleService(from drawn: ServiceID) -> ServiceID {
        let order = ChaosPlan.services
        let start = order.firstIndex(of: drawn)!
        for offset in 0..<order.count {
            let candidate = order[(start + offset) % order.count]
            if inFlight[candidate] == nil { return candidate }
        }
        return drawn
    }

    private func finish(_ service: ServiceID) async throws {
        guard let recovery = inFlight.removeValue(forKey: service) else { return }
        let took: Duration
        do {
            took = try await recovery.task.value
        } catch let problem as RecoveryProblem {
            took = ContinuousClock.now - recovery.started
            // What aegisd said of the service's failures, and what the server said as it failed.
            let lines = daemon.log.split(separator: "\n")
                .filter { $0.contains(service.rawValue) && ($0.contains("failed") || $0.contains("→")) }.suffix(10)
            let output = ((try? daemon.aegisctl("logs \(service.rawValue) -n 1000").output) ?? "").split(separator: "\n")
                .filter { line in
                    (line.contains("FATAL") || line.contains("PANIC") || line.contains("ERROR"))
                        && !Self.routineRefusals.contains { line.contains($0) }
                }.suffix(10)
            problems.append("\(problem.text); the log says:\n" + lines.joined(separator: "\n")
                + "\nits errors:\n" + output.joined(separator: "\n"))
            expectedRestarts[service] = (try? daemon.service(service).restarts) ?? expectedRestarts[service]
        }
        restartChecks += 1
        record(recovery.kind, took)
        if service == .redis { redisKillWindows.append(recovery.started...(recovery.started + took)) }
    }

    struct RecoveryProblem: Error { let text: String }

    /// What a restarting PostgreSQL tells every client that knocks: noise beside the reason a
    /// postmaster exited.
    static let routineRefusals = [
        "the database system is starting up", "the database system is not yet accepting connections",
        "the database system is shutting down", "terminating connection due to administrator command",
        "the database system is in recovery mode",
    ]

    /// Waits until `service` runs healthy under a new pid; returns its restart count then.
    @discardableResult
    static func waitReplaced(_ daemon: DaemonHarness, _ service: ServiceID, oldPid: Int32) async throws -> Int {
        var restarts = -1
        try await Poll.until("\(service.rawValue) replaced and healthy", timeout: .seconds(90), every: .milliseconds(100)) {
            guard let now = try? daemon.service(service), now.healthy, let pid = now.pid, pid != oldPid else { return false }
            restarts = now.restarts
            return true
        }
        return restarts
    }

    // MARK: - Daemon faults

    private func killDaemon() async throws {
        try await drain()
        checkRestartCounts(when: "before kill -9 of aegisd")
        let started = ContinuousClock.now
        count(.killDaemon)
        try await daemon.killDaemon()
        // As systemd with Restart=on-failure would (its RestartSec is a delay, not an event).
        try daemon.start()
        try await daemon.waitUntilAllHealthy(timeout: .seconds(120))
        let took = ContinuousClock.now - started
        record(.killDaemon, took)
        redisKillWindows.append(started...(started + took))
        expectedRestarts = [:]
        checkProcesses(when: "after aegisd was restarted")
    }

    /// Waits only for its own service: the others may recover from their faults meanwhile (a
    /// reload restarts only what changed).
    private func reload(_ target: ServiceID) async throws {
        try await finish(target)
        let oldPid = try daemon.service(target).pid
        // Flips the target's own setting between two values, so every reload changes something.
        try daemon.rewriteConfig { config in
            if let instance = target.postgresInstance {
                let workMem = config.postgres.instances[instance]!.workMem
                config.postgres.instances[instance]!.workMem = workMem == "5MB" ? "4MB" : "5MB"
            } else {
                config.redis.maxmemory = config.redis.maxmemory == "300mb" ? "256mb" : "300mb"
            }
        }
        let started = ContinuousClock.now
        count(.reload)
        let result = try daemon.aegisctl("reload")
        guard result.status == 0, result.output.contains("restarting \(target.rawValue)") else {
            problems.append("reload changing \(target.rawValue): exit \(result.status): \(result.output)")
            return
        }
        expectedRestarts[target, default: 0] += 1
        let restarts = try await Self.waitReplaced(daemon, target, oldPid: oldPid ?? -1)
        restartChecks += 1
        if restarts != expectedRestarts[target] {
            problems.append("reload of \(target.rawValue): \(restarts) restarts, the faults account for \(expectedRestarts[target]!)")
            expectedRestarts[target] = restarts
        }
        record(.reload, ContinuousClock.now - started)
    }

    /// Runs while other services recover from their faults; the ones not recovering must keep
    /// their pids (a rotation restarts nothing).
    private func rotateCertificates() async throws {
        let steady = ChaosPlan.services.filter { inFlight[$0] == nil }
        let pids = try steady.map { try daemon.service($0).pid }
        let started = ContinuousClock.now
        count(.rotateCertificates)
        let result = try daemon.aegisctl("certs rotate")
        record(.rotateCertificates, ContinuousClock.now - started)
        if result.status != 0 { problems.append("certs rotate: exit \(result.status): \(result.output)") }
        let after = try steady.map { try daemon.service($0).pid }
        if after != pids { problems.append("certs rotate restarted a server: \(steady) had pids \(pids), then \(after)") }
    }

    /// Waits only for its own service to be back from an earlier fault.
    private func backup(_ target: ServiceID) async throws {
        try await finish(target)
        let started = ContinuousClock.now
        count(.backup)
        let result = try daemon.aegisctl("backup \(target.rawValue)")
        record(.backup, ContinuousClock.now - started)
        if result.status != 0 { problems.append("backup \(target.rawValue): exit \(result.status): \(result.output)") }
    }

    // MARK: - Checks

    /// Every service's restart count is the number of faults that relaunched it.
    func checkRestartCounts(when: String) {
        restartChecks += 1
        guard let status = try? daemon.status() else {
            problems.append("\(when): no status")
            return
        }
        for service in ChaosPlan.services {
            let shown = status.services.first { $0.name == service.rawValue }?.restarts ?? -1
            let expected = expectedRestarts[service] ?? 0
            if shown != expected {
                problems.append("\(when): \(service.rawValue) shows \(shown) restarts, the faults account for \(expected)")
            }
        }
    }

    /// One postmaster per data directory (the status's), one Redis server, nothing outside
    /// the running aegisd's tree.
    func checkProcesses(when: String) {
        guard let status = try? daemon.status(), let daemonPid = daemon.process?.processIdentifier else {
            problems.append("\(when): no status")
            return
        }
        let postmasters = ChaosProcessCheck.postmasters(under: daemon.root)
        for instance in PostgresInstance.allCases {
            let directory = "\(daemon.root)/data/\(instance.serviceID.rawValue)"
            let expected = status.services.first { $0.name == instance.serviceID.rawValue }?.pid
            let found = postmasters[directory] ?? []
            if found.count != 1 || found.first != expected {
                problems.append("\(when): postmasters on \(directory): \(found), status says \(String(describing: expected))")
            }
        }
        let redis = ChaosProcessCheck.redisServers(in: "\(daemon.root)/data/redis", parent: daemonPid)
        let redisPid = status.services.first { $0.name == "redis" }?.pid
        if redis.count != 1 || redis.first != redisPid {
            problems.append("\(when): Redis servers under aegisd: \(redis), status says \(String(describing: redisPid))")
        }
        // The one-shot commands of a killed aegisd (pg_dump, psql, rclone) die with it
        // (pdeathsig): one may still be on its way out when this looks. Only those still there
        // a few seconds later are orphans.
        var orphans = ChaosProcessCheck.orphans(among: daemon.ourProcesses(), daemon: daemonPid)
        if !orphans.isEmpty {
            try? Poll.untilBlocking("processes outside aegisd's tree to end", timeout: .seconds(5)) {
                orphans = ChaosProcessCheck.orphans(among: daemon.ourProcesses(), daemon: daemonPid)
                return orphans.isEmpty
            }
        }
        if !orphans.isEmpty {
            let described = orphans.map { "\($0) \(ProcessTable.commandLine($0).joined(separator: " "))" }
            problems.append("\(when): processes outside aegisd's tree: \(described)")
        }
    }

    private func count(_ kind: ChaosFault.Kind) { injected[kind, default: 0] += 1 }

    private func record(_ kind: ChaosFault.Kind, _ took: Duration) {
        longestRecovery[kind] = max(longestRecovery[kind] ?? .zero, took)
    }
}
