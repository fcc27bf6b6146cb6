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
        /// The SIGKILL sweep of the previous child's process group; the next launch waits for it
        /// so that no old backend holds PostgreSQL's shared memory when the new postmaster starts.
        var cleanup: Task<Void, Never>?
        /// The service's one timer (start timeout, stop rung, restart delay), armed and dropped
        /// as its state machine says.
        var timer: Task<Void, Never>?
        /// Checks a freshly spawned process every 50 ms until it first answers.
        var probe: Task<Void, Never>?
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
    /// The tasks this actor started that are still running (`liveTaskCount`).
    private let tally = TaskTally()
    /// Waits for a condition on the services, woken after each event (`wakeWaiters`). Behind
    /// a lock so that a cancelled wait can let go from its cancellation handler.
    let waiters = WaiterTable()
    var nextWaiterKey = 0
    /// Announced changes so far.
    private(set) var changes = 0
    /// Set on SIGTERM: no service is started any more, whatever is in flight.
    private var shuttingDown = false
    /// Every change, to whoever iterates `changeStream()`.
    nonisolated let broadcast = ChangeBroadcast()
    /// Told every change the state machines announce (`observe`).
    private var observers: [ServiceID: [@Sendable (ServiceStatus) -> Void]] = [:]

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
                driver: driver)
        }
    }

    public var services: [ServiceID] { slots.keys.sorted() }

    /// Tasks started by the supervisor (health loops, timers, process watchers) still running:
    /// none after `stopAll()` has returned.
    public var liveTaskCount: Int { tally.count }

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
        // Nothing this actor started may outlive it: every loop and timer is cancelled and
        // waited for (a service that ended `failed` or `unavailable` has no timer left; any other
        // is dropped all the same).
        var ending = healthTasks
        healthTasks = []
        for id in slots.keys {
            ending += [slots[id]!.timer, slots[id]!.probe].compactMap { $0 }
            slots[id]!.timer = nil
            slots[id]!.probe = nil
        }
        for task in ending { task.cancel() }
        for task in ending { await task.value }
        broadcast.finish()
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
                    machine: ServiceStateMachine(service: id, policy: policy, now: .now), driver: driver)
                if !healthTasks.isEmpty { addHealthLoop(id) }
            } else {
                slots[id]!.driver = driver
            }
            start(id)
        }
        wakeWaiters()
    }

    /// Calls `observer` with the service's status now and after every change its state machine
    /// announces (state, health, a failure), from the supervisor's executor: it must return at
    /// once.
    public func observe(_ id: ServiceID, _ observer: @escaping @Sendable (ServiceStatus) -> Void) {
        observers[id, default: []].append(observer)
        if let status = serviceStatus(id) { observer(status) }
    }

    public func serviceStatus(_ id: ServiceID) -> ServiceStatus? {
        slots[id].map { $0.machine.status(at: .now) }
    }

    // MARK: - Events

    private func launched(_ id: ServiceID, pid: Int32) {
        LeftoverProcess.record(pid: pid, layout: layout, service: id)
        apply(id) { $0.launched(pid: pid, at: $1) }
        probeStartup(id, pid: pid)
    }

    private func launchFailed(_ id: ServiceID, _ failure: LaunchFailure) {
        apply(id) { $0.launchFailed(reason: failure.reason, permanent: failure.permanent, at: $1, jitter: .random(in: 0..<1)) }
    }

    private func exited(_ id: ServiceID, _ status: ExitStatus) {
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
        let actions = event(&slots[id]!.machine, ContinuousClock.now)
        for action in actions { run(action, for: id) }
        wakeWaiters()
    }

    /// The machine's own account of what an event changed: one warning per failure, one line
    /// per transition or change of health.
    private func announce(_ change: ServiceChange) {
        let metadata: Logger.Metadata = ["service": "\(change.service.rawValue)"]
        changes += 1
        broadcast.publish(change)
        if let status = serviceStatus(change.service) {
            for observer in observers[change.service] ?? [] { observer(status) }
        }
        if let failure = change.failure {
            logger.warning("\(change.service.rawValue) failed: \(failure)", metadata: metadata)
        }
        guard change.from != change.to || change.failure == nil else { return }
        let level: Logger.Level = change.to == .failed ? .error : (change.to == .backoff ? .warning : .info)
        logger.log(level: level, "\(change)", metadata: metadata)
    }

    private func run(_ action: ServiceAction, for id: ServiceID) {
        switch action {
        case .launch:
            launch(id)
        case .signal(let signal, let pid, let toGroup):
            slots[id]!.driver.releaseConnections()
            ProcessTable.send(signal.rawValue, to: pid, group: toGroup)
        case .scheduleTimer(let delay, let token):
            slots[id]!.timer?.cancel()
            tally.enter()
            slots[id]!.timer = Task {
                defer { tally.leave() }
                guard (try? await Task.sleep(for: delay)) != nil else { return }  // cancelled
                self.timerFired(id, token: token)
            }
        case .cancelTimer:
            slots[id]!.timer?.cancel()
            slots[id]!.timer = nil
        case .killProcessGroup(let group):
            let tally = tally
            tally.enter()
            slots[id]!.cleanup = Task.detached {
                defer { tally.leave() }
                _ = await ProcessTable.killGroupAndWait(group, timeout: .seconds(5))
            }
        case .announce(let change):
            announce(change)
        }
    }

    private func launch(_ id: ServiceID) {
        let slot = slots[id]!
        let driver = slot.driver
        // This launch's own pid, not the slot's: the first lines of a new process must not carry
        // the previous one's pid, nor none because the actor had not yet heard of the spawn.
        let spawned = SpawnedPid()
        let onLines = output.handler(for: id) { spawned.wait() }
        let onOutputDropped = output.droppedHandler
        let previous = processTasks[id]
        tally.enter()
        processTasks[id] = Task {
            defer { tally.leave() }
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
                let status = try await ChildProcess.run(
                    spec, drainAhead: true, outlivesDaemon: true, onLines: onLines, onOutputDropped: onOutputDropped
                ) { @Sendable pid in
                    spawned.set(pid)
                    await self.launched(id, pid: pid)
                }
                self.exited(id, status)
            } catch {
                self.launchFailed(id, LaunchFailure("\(error)"))
            }
        }
    }

    /// One liveness loop per service, for running services. Checks start at a fixed rate (not an
    /// interval after the previous check ended), the same instants for every service
    /// (`HealthCadence`), and each is bounded by min(timeout, interval), so a hung service is
    /// caught within about interval × threshold.
    private func startHealthLoops() {
        guard healthTasks.isEmpty else { return }
        for id in services { addHealthLoop(id) }
    }

    private func addHealthLoop(_ id: ServiceID) {
        let cadence = HealthCadence(epoch: startedAt, interval: .milliseconds(settings.healthIntervalMs))
        let timeout = min(Duration.milliseconds(settings.healthTimeoutMs), cadence.interval)
        tally.enter()
        healthTasks.append(Task {
            defer { tally.leave() }
            while !Task.isCancelled {
                let began = ContinuousClock.now
                // The driver is looked up each time: a reload may have replaced it.
                if let target = self.healthTarget(id), !target.starting, let driver = self.slots[id]?.driver {
                    let result = await driver.checkHealth(timeout: timeout)
                    self.healthDurations[id, default: DurationHistogram()].observe((ContinuousClock.now - began).seconds)
                    self.healthChecked(id, pid: target.pid, result)
                }
                try? await Task.sleep(until: cadence.next(after: began), clock: .continuous)
            }
        })
    }

    /// A freshly spawned process is checked every 50 ms until it first answers (or is no longer
    /// starting), so READY=1 and recovery after a crash are not held back by the interval.
    private func probeStartup(_ id: ServiceID, pid: Int32) {
        let driver = slots[id]!.driver
        let timeout = Duration.milliseconds(settings.healthTimeoutMs)
        slots[id]!.probe?.cancel()
        tally.enter()
        slots[id]!.probe = Task {
            defer { tally.leave() }
            while !Task.isCancelled, let target = self.healthTarget(id), target.pid == pid, target.starting {
                let result = await driver.checkHealth(timeout: timeout)
                self.healthChecked(id, pid: pid, result)
                if result.passed { return }
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
    }
}

extension ServiceStatus {
    /// Healthy, or in a state that will not change by itself soon.
    var isSettledAfterStart: Bool {
        healthy || state == .failed || state == .unavailable || state == .stopped
    }
}

private func getCurrentPid() -> Int32 { ProcessTable.currentPid }
