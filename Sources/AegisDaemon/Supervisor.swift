import AegisCore
import AegisSystem
import Logging
import Synchronization

/// Owns one `ServiceStateMachine` per service and is the only place their actions are carried
/// out: spawning, signalling, timers. Events from processes, health checks and operators come in
/// as actor calls; everything they decide is in the pure machines.
public actor Supervisor {
    struct Slot {
        var machine: ServiceStateMachine
        /// Replaced by a reload that changes the service's settings (while it is stopped).
        var driver: any ServiceDriver
        /// The current child's pid, shared with the output handler on the reader thread.
        let pid: PidBox
        /// The SIGKILL sweep of the previous child's process group; the next launch waits for it
        /// so that no old backend holds PostgreSQL's shared memory when the new postmaster starts.
        var cleanup: Task<Void, Never>?
    }

    private var slots: [ServiceID: Slot] = [:]
    let settings: SupervisionSettings
    let layout: StateLayout
    let logger: Logger
    let output: ChildOutput
    /// Shown in status: the port each service listens on.
    let ports: [ServiceID: Int]
    private let startedAt = ContinuousClock.now
    private var healthTasks: [Task<Void, Never>] = []
    /// How long the liveness checks took, per service, for `/metrics`.
    private var healthDurations: [ServiceID: DurationHistogram] = [:]
    private var processTasks: [ServiceID: Task<Void, Never>] = [:]
    private var readySent = false
    /// Set on SIGTERM: no service is started any more, whatever is in flight.
    private var shuttingDown = false

    public init(drivers: [any ServiceDriver], settings: SupervisionSettings, layout: StateLayout,
                ports: [ServiceID: Int] = [:], logger: Logger, output: ChildOutput = ChildOutput()) {
        self.ports = ports
        self.settings = settings
        self.layout = layout
        self.logger = logger
        self.output = output
        let now = ContinuousClock.now
        for driver in drivers {
            let policy = ServicePolicy(stopPlan: driver.stopPlan, settings: settings)
            slots[driver.service] = Slot(
                machine: ServiceStateMachine(service: driver.service, policy: policy, now: now),
                driver: driver, pid: PidBox())
        }
    }

    public var services: [ServiceID] { slots.keys.sorted() }

    // MARK: - Whole-daemon operations

    /// Starts every service, wave by wave (PostgreSQL ×3 and Redis together, then Loki), each
    /// wave given until it settles (healthy, failed or unavailable) before the next begins.
    public func startAll() async {
        startHealthLoops()
        let waves = Dictionary(grouping: services, by: \.startWave).sorted { $0.key < $1.key }
        for (_, wave) in waves where !shuttingDown {
            for id in wave { apply(id) { $0.startRequested(at: $1) } }
            await waitUntil(wave, timeout: .seconds(settings.startTimeoutS)) { $0.isSettledAfterStart }
        }
    }

    /// Stops every service in the reverse of the start order and waits for each to exit.
    public func stopAll() async {
        let waves = Dictionary(grouping: services, by: \.startWave).sorted { $0.key > $1.key }
        for (_, wave) in waves {
            for id in wave { apply(id) { $0.stopRequested(at: $1) } }
            await waitUntil(wave, timeout: .seconds(120)) { $0.pid == nil && $0.state != .starting }
        }
        for task in processTasks.values { await task.value }
        for slot in slots.values { await slot.cleanup?.value }
        healthTasks.forEach { $0.cancel() }
        healthTasks = []
    }

    public func status() -> StatusReport {
        let now = ContinuousClock.now
        return StatusReport(
            daemon: DaemonStatus(
                version: AegisVersion.current, pid: getCurrentPid(), uptimeSeconds: (now - startedAt).seconds,
                ready: readySent),
            services: services.map { id in
                var status = slots[id]!.machine.status(at: now)
                status.port = ports[id]
                return status
            })
    }

    /// The durations of each service's liveness checks so far, by service name.
    public func healthCheckDurations() -> [String: DurationHistogram] {
        Dictionary(uniqueKeysWithValues: healthDurations.map { ($0.key.rawValue, $0.value) })
    }

    /// Every service that can run is healthy (what READY=1 means).
    public func allHealthy() -> Bool {
        let statuses = status().services
        return statuses.allSatisfy { $0.healthy || $0.state == .unavailable }
    }

    func markReady() { readySent = true }

    /// From now on nothing is started, so `stopAll()` has the last word.
    public func beginShutdown() { shuttingDown = true }

    // MARK: - Operator requests

    public func start(_ id: ServiceID) {
        guard !shuttingDown else { return }
        apply(id) { $0.startRequested(at: $1) }
    }
    public func stop(_ id: ServiceID) { apply(id) { $0.stopRequested(at: $1) } }
    public func restart(_ id: ServiceID) {
        guard !shuttingDown else { return }
        apply(id) { $0.restartRequested(at: $1) }
    }

    // MARK: - Reload

    /// Carries out a reload's service changes: changed services are stopped, given their new
    /// driver and started again; new ones are added and started; disabled ones are stopped
    /// (and stay, stopped, in status). Untouched services are not disturbed.
    public func applyReload(_ plan: ReloadPlan, drivers: [ServiceID: any ServiceDriver], stopTimeout: Duration) async {
        let changing = plan.restart + plan.stop
        for id in changing where slots[id] != nil { apply(id) { $0.stopRequested(at: $1) } }
        await waitUntil(changing, timeout: stopTimeout) { $0.pid == nil && $0.state != .starting }
        for id in changing { await processTasks[id]?.value }
        for id in plan.restart + plan.start {
            guard let driver = drivers[id] else { continue }
            if slots[id] == nil {
                let policy = ServicePolicy(stopPlan: driver.stopPlan, settings: settings)
                slots[id] = Slot(
                    machine: ServiceStateMachine(service: id, policy: policy, now: .now), driver: driver, pid: PidBox())
                if !healthTasks.isEmpty {
                    let interval = Duration.milliseconds(settings.healthIntervalMs)
                    addHealthLoop(id, interval: interval, timeout: min(Duration.milliseconds(settings.healthTimeoutMs), interval))
                }
            } else {
                slots[id]!.driver = driver
            }
            start(id)
        }
    }

    public func serviceStatus(_ id: ServiceID) -> ServiceStatus? {
        slots[id].map { $0.machine.status(at: .now) }
    }

    /// Waits until `predicate` holds for every service in `ids`, or `timeout` passes.
    public func waitUntil(_ ids: [ServiceID], timeout: Duration, _ predicate: (ServiceStatus) -> Bool) async {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if ids.allSatisfy({ serviceStatus($0).map(predicate) ?? true }) { return }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    // MARK: - Events

    private func launched(_ id: ServiceID, pid: Int32) {
        slots[id]!.pid.set(pid)
        LeftoverProcess.record(pid: pid, layout: layout, service: id)
        apply(id) { $0.launched(pid: pid, at: $1) }
        probeStartup(id, pid: pid)
    }

    private func launchFailed(_ id: ServiceID, _ failure: LaunchFailure) {
        apply(id) { $0.launchFailed(reason: failure.reason, permanent: failure.permanent, at: $1, jitter: .random(in: 0..<1)) }
    }

    private func exited(_ id: ServiceID, _ status: ExitStatus) {
        slots[id]!.pid.set(nil)
        apply(id) { $0.exited(status, at: $1, jitter: .random(in: 0..<1)) }
    }

    private func healthChecked(_ id: ServiceID, pid: Int32, _ result: HealthResult) {
        guard slots[id]?.machine.status(at: .now).pid == pid else { return }  // about an older process
        if result.fatal {
            apply(id) { $0.startRefused(reason: result.detail, at: $1) }
        } else {
            apply(id) { $0.healthChecked(passed: result.passed, detail: result.detail, at: $1) }
        }
    }

    private func timerFired(_ id: ServiceID, token: Int) {
        apply(id) { $0.timerFired(token: token, at: $1, jitter: .random(in: 0..<1)) }
    }

    /// What the health loop of a service should look at now: the pid, and whether the service
    /// is still starting (checked quickly, so READY and recovery are not held back by the
    /// interval).
    private func healthTarget(_ id: ServiceID) -> (pid: Int32, starting: Bool)? {
        guard let status = slots[id]?.machine.status(at: .now), let pid = status.pid else { return nil }
        switch status.state {
        case .starting: return (pid, true)
        case .running: return (pid, false)
        default: return nil
        }
    }

    // MARK: - Carrying out actions

    private func apply(_ id: ServiceID, _ event: (inout ServiceStateMachine, ContinuousClock.Instant) -> [ServiceAction]) {
        let now = ContinuousClock.now
        let before = slots[id]!.machine.status(at: now)
        let failuresBefore = slots[id]!.machine.failures
        let actions = event(&slots[id]!.machine, now)
        let after = slots[id]!.machine.status(at: now)
        if slots[id]!.machine.failures != failuresBefore, let reason = slots[id]!.machine.lastFailure {
            logger.warning("\(id.rawValue) failed: \(reason)", metadata: ["service": "\(id.rawValue)"])
        }
        if before.state != after.state || before.healthy != after.healthy {
            var line = "\(id.rawValue): \(before.state.rawValue) → \(after.state.rawValue)"
            if after.healthy { line += " (healthy)" }
            if let message = after.message { line += ": \(message)" }
            let level: Logger.Level = after.state == .failed ? .error : (after.state == .backoff ? .warning : .info)
            logger.log(level: level, "\(line)", metadata: ["service": "\(id.rawValue)"])
        }
        for action in actions { run(action, for: id) }
    }

    private func run(_ action: ServiceAction, for id: ServiceID) {
        switch action {
        case .launch:
            launch(id)
        case .signal(let signal, let pid, let toGroup):
            ProcessTable.send(signal.rawValue, to: pid, group: toGroup)
        case .scheduleTimer(let delay, let token):
            Task {
                try? await Task.sleep(for: delay)
                self.timerFired(id, token: token)
            }
        case .killProcessGroup(let group):
            slots[id]!.cleanup = Task.detached {
                _ = await ProcessTable.killGroupAndWait(group, timeout: .seconds(5))
            }
        }
    }

    private func launch(_ id: ServiceID) {
        let slot = slots[id]!
        let driver = slot.driver
        let pidBox = slot.pid
        let onLines = output.handler(for: id) { pidBox.get() }
        let onOutputDropped = output.droppedHandler
        let previous = processTasks[id]
        processTasks[id] = Task {
            await slot.cleanup?.value
            await previous?.value
            let spec: LaunchSpec
            do {
                spec = try await driver.prepare()
            } catch {
                self.launchFailed(id, error as? LaunchFailure ?? LaunchFailure("\(error)"))
                return
            }
            do {
                let status = try await ChildProcess.run(spec, drainAhead: true, onLines: onLines, onOutputDropped: onOutputDropped) { @Sendable pid in
                    await self.launched(id, pid: pid)
                }
                self.exited(id, status)
            } catch {
                self.launchFailed(id, LaunchFailure("\(error)"))
            }
        }
    }

    /// One liveness loop per service, for running services. Checks start at a fixed rate (not an
    /// interval after the previous check ended) and each is bounded by min(timeout, interval), so
    /// a hung service is caught within about interval × threshold.
    private func startHealthLoops() {
        guard healthTasks.isEmpty else { return }
        let interval = Duration.milliseconds(settings.healthIntervalMs)
        let timeout = min(Duration.milliseconds(settings.healthTimeoutMs), interval)
        for id in services { addHealthLoop(id, interval: interval, timeout: timeout) }
    }

    private func addHealthLoop(_ id: ServiceID, interval: Duration, timeout: Duration) {
        healthTasks.append(Task {
            while !Task.isCancelled {
                let began = ContinuousClock.now
                // The driver is looked up each time: a reload may have replaced it.
                if let target = self.healthTarget(id), !target.starting, let driver = self.slots[id]?.driver {
                    let result = await driver.checkHealth(timeout: timeout)
                    self.healthDurations[id, default: DurationHistogram()].observe((ContinuousClock.now - began).seconds)
                    self.healthChecked(id, pid: target.pid, result)
                }
                try? await Task.sleep(until: began + interval, clock: .continuous)
            }
        })
    }

    /// A freshly spawned process is checked every 50 ms until it first answers (or is no longer
    /// starting), so READY=1 and recovery after a crash are not held back by the interval.
    private func probeStartup(_ id: ServiceID, pid: Int32) {
        let driver = slots[id]!.driver
        let timeout = Duration.milliseconds(settings.healthTimeoutMs)
        Task {
            while let target = self.healthTarget(id), target.pid == pid, target.starting {
                let result = await driver.checkHealth(timeout: timeout)
                self.healthChecked(id, pid: pid, result)
                if result.passed { return }
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
    }
}

/// A pid readable from any thread.
final class PidBox: Sendable {
    private let value = Mutex<Int32?>(nil)
    func get() -> Int32? { value.withLock { $0 } }
    func set(_ pid: Int32?) { value.withLock { $0 = pid } }
}

extension ServiceStatus {
    /// Healthy, or in a state that will not change by itself soon.
    var isSettledAfterStart: Bool {
        healthy || state == .failed || state == .unavailable || state == .stopped
    }
}

private func getCurrentPid() -> Int32 { ProcessTable.currentPid }
