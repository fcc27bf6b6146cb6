/// The life of one supervised service as a pure state machine: every input is a `mutating func`
/// that returns the actions to carry out, in order (the shape of postgres-nio's
/// `ConnectionStateMachine`). No I/O, no clock: time and randomness come in as arguments.
public struct ServiceStateMachine: Sendable {
    public typealias Instant = ContinuousClock.Instant

    public enum State: Sendable, Equatable {
        /// Not running and not wanted: before the first start, or after an operator's stop.
        case stopped
        /// Cannot run on this machine (e.g. no `loki` binary); the reason says how to fix it.
        case unavailable(reason: String)
        /// Being prepared and spawned; the pid is not known yet.
        case launching
        /// Spawned, not yet answering its health check.
        case starting(pid: Int32)
        /// Answered a health check; `failedChecks` counts consecutive failures since.
        case running(pid: Int32, failedChecks: Int)
        /// Walking down `plan` (at rung `step`); `then` says what follows the exit.
        case stopping(pid: Int32, step: Int, plan: StopPlan, then: AfterStop)
        /// Waiting out a restart delay after a failure.
        case backoff(until: Instant, reason: String)
        /// The restart breaker opened; only an operator's start or restart leaves this state.
        case failed(reason: String)
    }

    /// What happens once a stopping process has exited.
    public enum AfterStop: Sendable, Equatable {
        /// Stay stopped (operator stop, shutdown).
        case stay
        /// Start again at once (operator restart).
        case restart
        /// The stop was forced by a failure (hung, start timeout): apply the restart policy.
        case recover(reason: String)
        /// The service refused to run as it is (a refused schema migration): `failed`, no restart.
        case fail(reason: String)
    }

    public let service: ServiceID
    public let policy: ServicePolicy
    public private(set) var state: State = .stopped
    /// When `state` was entered, for `since_s` in status.
    public private(set) var stateSince: Instant
    /// Processes spawned so far; every one after the first is a restart.
    public private(set) var launches = 0
    /// The last failure, kept for status after the service recovered.
    public private(set) var lastFailure: String?
    /// Failures so far (exits, hangs, failed launches); each one is logged once.
    public private(set) var failures = 0

    private var tracker: RestartTracker
    private var runStartedAt: Instant?
    private var timerToken = 0
    /// A stop that arrived while launching; carried out as soon as the pid is known.
    private var stopWhenLaunched = false

    public init(service: ServiceID, policy: ServicePolicy, now: Instant) {
        self.service = service
        self.policy = policy
        self.tracker = RestartTracker(policy: policy.restart)
        self.stateSince = now
    }

    public var restarts: Int { max(0, launches - 1) }

    // MARK: - Operator and daemon requests

    /// Start the service (first start, `aegisctl start`), closing the restart breaker.
    public mutating func startRequested(at now: Instant) -> [ServiceAction] {
        switch state {
        case .stopped, .failed, .unavailable, .backoff:
            tracker.reset()
            return launch(at: now)
        case .stopping(let pid, let step, let plan, _):
            tracker.reset()
            transition(to: .stopping(pid: pid, step: step, plan: plan, then: .restart), at: now)
            return []
        case .launching:
            stopWhenLaunched = false
            return []
        case .starting, .running:
            return []
        }
    }

    /// Stop the service and keep it stopped (`aegisctl stop`, daemon shutdown).
    public mutating func stopRequested(at now: Instant) -> [ServiceAction] {
        switch state {
        case .stopped, .unavailable:
            return []
        case .failed, .backoff:
            timerToken += 1
            transition(to: .stopped, at: now)
            return []
        case .launching:
            stopWhenLaunched = true
            return []
        case .starting(let pid), .running(let pid, _):
            return beginStop(pid: pid, plan: policy.stopPlan, then: .stay, at: now)
        case .stopping(let pid, let step, let plan, _):
            transition(to: .stopping(pid: pid, step: step, plan: plan, then: .stay), at: now)
            return []
        }
    }

    /// Stop gracefully, then start again (`aegisctl restart`). Not counted as a failure.
    public mutating func restartRequested(at now: Instant) -> [ServiceAction] {
        switch state {
        case .starting(let pid), .running(let pid, _):
            tracker.reset()
            return beginStop(pid: pid, plan: policy.stopPlan, then: .restart, at: now)
        default:
            return startRequested(at: now)
        }
    }

    // MARK: - Events from the process

    public mutating func launched(pid: Int32, at now: Instant) -> [ServiceAction] {
        guard case .launching = state else {
            preconditionFailure("\(service): launched while \(state)")
        }
        runStartedAt = now
        if stopWhenLaunched {
            stopWhenLaunched = false
            return beginStop(pid: pid, plan: policy.stopPlan, then: .stay, at: now)
        }
        transition(to: .starting(pid: pid), at: now)
        return armTimer(after: policy.startTimeout)
    }

    /// Preparing or spawning failed. `permanent` failures (the program is not installed) make the
    /// service `unavailable` instead of being retried.
    public mutating func launchFailed(
        reason: String, permanent: Bool, at now: Instant, jitter: Double
    ) -> [ServiceAction] {
        guard case .launching = state else {
            preconditionFailure("\(service): launch failed while \(state)")
        }
        runStartedAt = nil
        if stopWhenLaunched {
            stopWhenLaunched = false
            transition(to: .stopped, at: now)
            return []
        }
        if permanent {
            lastFailure = reason
            failures += 1
            transition(to: .unavailable(reason: reason), at: now)
            return []
        }
        return failure(reason: reason, at: now, jitter: jitter)
    }

    /// The main process exited (it has been reaped).
    public mutating func exited(_ status: ExitStatus, at now: Instant, jitter: Double) -> [ServiceAction] {
        switch state {
        case .starting(let pid), .running(let pid, _):
            return [.killProcessGroup(pid)]
                + failure(reason: "\(status) unexpectedly", at: now, jitter: jitter)
        case .stopping(let pid, _, _, let then):
            let cleanUp = ServiceAction.killProcessGroup(pid)
            switch then {
            case .stay:
                transition(to: .stopped, at: now)
                return [cleanUp]
            case .restart:
                return [cleanUp] + launch(at: now)
            case .recover(let reason):
                return [cleanUp] + failure(reason: reason, at: now, jitter: jitter)
            case .fail(let reason):
                timerToken += 1
                transition(
                    to: .failed(reason: "\(reason): not restarting until `aegisctl restart \(service.rawValue)`"), at: now)
                return [cleanUp]
            }
        case .stopped, .unavailable, .launching, .backoff, .failed:
            preconditionFailure("\(service): exit reported while \(state)")
        }
    }

    /// The result of one health check (PQping + SELECT 1, PING, GET /ready).
    public mutating func healthChecked(passed: Bool, detail: String, at now: Instant) -> [ServiceAction] {
        switch state {
        case .starting(let pid):
            guard passed else { return [] }  // still starting: the start timeout decides
            timerToken += 1  // the start timeout is void
            transition(to: .running(pid: pid, failedChecks: 0), at: now)
            return []
        case .running(let pid, let failedChecks):
            if passed {
                if failedChecks > 0 { state = .running(pid: pid, failedChecks: 0) }
                return []
            }
            let failures = failedChecks + 1
            guard failures >= policy.failureThreshold else {
                state = .running(pid: pid, failedChecks: failures)
                return []
            }
            let reason = "no healthy answer to \(failures) health checks (\(detail))"
            return beginStop(pid: pid, plan: .hung, then: .recover(reason: reason), at: now)
        default:
            return []  // a check that raced with a stop or exit says nothing about the new state
        }
    }

    /// A health check found that the service must not run as it is (its schema migration was
    /// refused or failed): restarting would only repeat that, so it is stopped and `failed` with
    /// the reason, until an operator restarts it.
    public mutating func startRefused(reason: String, at now: Instant) -> [ServiceAction] {
        switch state {
        case .starting(let pid), .running(let pid, _):
            lastFailure = reason
            failures += 1
            runStartedAt = nil
            return beginStop(pid: pid, plan: policy.stopPlan, then: .fail(reason: reason), at: now)
        default:
            return []
        }
    }

    public mutating func timerFired(token: Int, at now: Instant, jitter: Double) -> [ServiceAction] {
        guard token == timerToken else { return [] }
        switch state {
        case .backoff:
            return launch(at: now)
        case .starting(let pid):
            let reason = "not healthy within \(policy.startTimeout.formattedSeconds) of starting"
            return beginStop(pid: pid, plan: policy.stopPlan, then: .recover(reason: reason), at: now)
        case .stopping(let pid, let step, let plan, let then):
            // The rung's time is up: take the next one. Past the last (SIGKILL), the process
            // is in uninterruptible sleep; keep killing and waiting, never forget it.
            let next = min(step + 1, plan.steps.count - 1)
            state = .stopping(pid: pid, step: next, plan: plan, then: then)
            return send(plan.steps[next], to: pid)
        default:
            return []
        }
    }

    // MARK: - Status

    /// Projection onto the status contract.
    public func status(at now: Instant) -> ServiceStatus {
        let name: ServiceStateName
        var pid: Int32?
        var message: String?
        var healthy = false
        switch state {
        case .stopped:
            name = .stopped
        case .unavailable(let reason):
            name = .unavailable
            message = reason
        case .launching:
            name = .starting
        case .starting(let p):
            name = .starting
            pid = p
        case .running(let p, let failedChecks):
            name = .running
            pid = p
            healthy = failedChecks == 0
            if failedChecks > 0 { message = "\(failedChecks) failed health check(s)" }
        case .stopping(let p, let step, let plan, _):
            name = .stopping
            pid = p
            message = "sent \(plan.steps[step].signal)"
        case .backoff(let until, let reason):
            name = .backoff
            message = "\(reason); restarting in \(max(.zero, until - now).formattedSeconds)"
        case .failed(let reason):
            name = .failed
            message = reason
        }
        return ServiceStatus(
            name: service.rawValue, state: name, healthy: healthy, pid: pid, restarts: restarts,
            message: message, sinceSeconds: (now - stateSince).seconds)
    }

    // MARK: - Private

    private mutating func transition(to newState: State, at now: Instant) {
        state = newState
        stateSince = now
    }

    private mutating func launch(at now: Instant) -> [ServiceAction] {
        timerToken += 1
        launches += 1
        stopWhenLaunched = false
        transition(to: .launching, at: now)
        return [.launch]
    }

    private mutating func beginStop(pid: Int32, plan: StopPlan, then: AfterStop, at now: Instant) -> [ServiceAction] {
        transition(to: .stopping(pid: pid, step: 0, plan: plan, then: then), at: now)
        return send(plan.steps[0], to: pid)
    }

    private mutating func send(_ step: StopStep, to pid: Int32) -> [ServiceAction] {
        [.signal(step.signal, pid: pid, toGroup: step.toGroup)] + armTimer(after: step.wait)
    }

    private mutating func armTimer(after delay: Duration) -> [ServiceAction] {
        timerToken += 1
        return [.scheduleTimer(after: delay, token: timerToken)]
    }

    private mutating func failure(reason: String, at now: Instant, jitter: Double) -> [ServiceAction] {
        lastFailure = reason
        failures += 1
        let decision = tracker.recordFailure(at: now, runStartedAt: runStartedAt, jitter: jitter)
        runStartedAt = nil
        switch decision {
        case .restart(let delay) where delay == .zero:
            return launch(at: now)
        case .restart(let delay):
            transition(to: .backoff(until: now + delay, reason: reason), at: now)
            return armTimer(after: delay)
        case .giveUp(let why):
            timerToken += 1
            transition(
                to: .failed(reason: "\(reason); \(why): not restarting until `aegisctl restart \(service.rawValue)`"),
                at: now)
            return []
        }
    }
}
