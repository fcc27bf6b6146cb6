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
    /// The token of the service's one timer (s6 keeps one deadline per service too); a timer
    /// that fires with an older token is void.
    private var timerToken = 0
    /// Whether a timer with the current token is pending, so that voiding it is announced.
    private var timerArmed = false
    /// A stop that arrived while launching; carried out as soon as the pid is known.
    private var stopWhenLaunched = false
    /// The failure of the event being handled, announced with its change.
    private var pendingFailure: String?

    public init(service: ServiceID, policy: ServicePolicy, now: Instant) {
        self.service = service
        self.policy = policy
        self.tracker = RestartTracker(policy: policy.restart)
        self.stateSince = now
    }

    public var restarts: Int { max(0, launches - 1) }

    // MARK: - Inputs
    //
    // Each input returns the actions to carry out, in order, the first of them an `.announce`
    // when the input changed the state or health or was a failure. Every input is accepted in
    // every state: one that arrives late (an exit after a stop finished, a stale timer, a
    // health check about an older process) is an explicit "nothing to do", never a crash.

    /// Start the service (first start, `aegisctl start`), closing the restart breaker.
    public mutating func startRequested(at now: Instant) -> [ServiceAction] {
        let before = snapshot(at: now)
        let actions = handleStartRequested(at: now)
        return announcement(since: before, at: now) + actions
    }

    /// Stop the service and keep it stopped (`aegisctl stop`, daemon shutdown).
    public mutating func stopRequested(at now: Instant) -> [ServiceAction] {
        let before = snapshot(at: now)
        let actions = handleStopRequested(at: now)
        return announcement(since: before, at: now) + actions
    }

    /// Stop gracefully, then start again (`aegisctl restart`). Not counted as a failure.
    public mutating func restartRequested(at now: Instant) -> [ServiceAction] {
        let before = snapshot(at: now)
        let actions = handleRestartRequested(at: now)
        return announcement(since: before, at: now) + actions
    }

    /// The process was spawned with this pid.
    public mutating func launched(pid: Int32, at now: Instant) -> [ServiceAction] {
        let before = snapshot(at: now)
        let actions = handleLaunched(pid: pid, at: now)
        return announcement(since: before, at: now) + actions
    }

    /// Preparing or spawning failed. `permanent` failures (the program is not installed) make the
    /// service `unavailable` instead of being retried.
    public mutating func launchFailed(reason: String, permanent: Bool, at now: Instant, jitter: Double) -> [ServiceAction] {
        let before = snapshot(at: now)
        let actions = handleLaunchFailed(reason: reason, permanent: permanent, at: now, jitter: jitter)
        return announcement(since: before, at: now) + actions
    }

    /// The main process exited (it has been reaped).
    public mutating func exited(_ status: ExitStatus, at now: Instant, jitter: Double) -> [ServiceAction] {
        let before = snapshot(at: now)
        let actions = handleExited(status, at: now, jitter: jitter)
        return announcement(since: before, at: now) + actions
    }

    /// The result of one health check (PQping + SELECT 1, PING, GET /ready).
    public mutating func healthChecked(passed: Bool, detail: String, at now: Instant) -> [ServiceAction] {
        let before = snapshot(at: now)
        let actions = handleHealthChecked(passed: passed, detail: detail, at: now)
        return announcement(since: before, at: now) + actions
    }

    /// A health check found that the service must not run as it is (its schema migration was
    /// refused or failed): restarting would only repeat that, so it is stopped and `failed` with
    /// the reason, until an operator restarts it.
    public mutating func startRefused(reason: String, at now: Instant) -> [ServiceAction] {
        let before = snapshot(at: now)
        let actions = handleStartRefused(reason: reason, at: now)
        return announcement(since: before, at: now) + actions
    }

    /// A timer armed by `.scheduleTimer` ran out; tokens of timers since re-armed or voided do
    /// nothing.
    public mutating func timerFired(token: Int, at now: Instant, jitter: Double) -> [ServiceAction] {
        let before = snapshot(at: now)
        let actions = handleTimerFired(token: token, at: now, jitter: jitter)
        return announcement(since: before, at: now) + actions
    }

    // MARK: - Handlers

    private mutating func handleStartRequested(at now: Instant) -> [ServiceAction] {
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

    private mutating func handleStopRequested(at now: Instant) -> [ServiceAction] {
        switch state {
        case .stopped, .unavailable:
            return []
        case .failed, .backoff:
            transition(to: .stopped, at: now)
            return voidTimer()
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

    private mutating func handleRestartRequested(at now: Instant) -> [ServiceAction] {
        switch state {
        case .starting(let pid), .running(let pid, _):
            tracker.reset()
            return beginStop(pid: pid, plan: policy.stopPlan, then: .restart, at: now)
        default:
            return handleStartRequested(at: now)
        }
    }

    private mutating func handleLaunched(pid: Int32, at now: Instant) -> [ServiceAction] {
        guard case .launching = state else {
            // Nobody is waiting for this process (cannot happen with one launch at a time, but
            // a process must never be left running unsupervised): kill its group.
            return [.signal(.kill, pid: pid, toGroup: true)]
        }
        runStartedAt = now
        if stopWhenLaunched {
            stopWhenLaunched = false
            return beginStop(pid: pid, plan: policy.stopPlan, then: .stay, at: now)
        }
        transition(to: .starting(pid: pid), at: now)
        return armTimer(after: policy.startTimeout)
    }

    private mutating func handleLaunchFailed(
        reason: String, permanent: Bool, at now: Instant, jitter: Double
    ) -> [ServiceAction] {
        guard case .launching = state else { return [] }  // nothing was started: nothing to undo
        runStartedAt = nil
        if stopWhenLaunched {
            stopWhenLaunched = false
            transition(to: .stopped, at: now)
            return []
        }
        if permanent {
            recordFailure(reason)
            transition(to: .unavailable(reason: reason), at: now)
            return []
        }
        return failure(reason: reason, at: now, jitter: jitter)
    }

    private mutating func handleExited(_ status: ExitStatus, at now: Instant, jitter: Double) -> [ServiceAction] {
        switch state {
        case .starting(let pid), .running(let pid, _):
            return [.killProcessGroup(pid)]
                + failure(reason: "\(status) unexpectedly", at: now, jitter: jitter)
        case .stopping(let pid, _, _, let then):
            let cleanUp = ServiceAction.killProcessGroup(pid)
            switch then {
            case .stay:
                transition(to: .stopped, at: now)
                return [cleanUp] + voidTimer()
            case .restart:
                return [cleanUp] + launch(at: now)
            case .recover(let reason):
                return [cleanUp] + failure(reason: reason, at: now, jitter: jitter)
            case .fail(let reason):
                transition(
                    to: .failed(reason: "\(reason): not restarting until `aegisctl restart \(service.rawValue)`"), at: now)
                return [cleanUp] + voidTimer()
            }
        case .stopped, .unavailable, .launching, .backoff, .failed:
            // No process of ours is running in these states: a late report about one already
            // accounted for changes nothing.
            return []
        }
    }

    private mutating func handleHealthChecked(passed: Bool, detail: String, at now: Instant) -> [ServiceAction] {
        switch state {
        case .starting(let pid):
            guard passed else { return [] }  // still starting: the start timeout decides
            transition(to: .running(pid: pid, failedChecks: 0), at: now)
            return voidTimer()  // the start timeout
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

    private mutating func handleStartRefused(reason: String, at now: Instant) -> [ServiceAction] {
        switch state {
        case .starting(let pid), .running(let pid, _):
            recordFailure(reason)
            runStartedAt = nil
            return beginStop(pid: pid, plan: policy.stopPlan, then: .fail(reason: reason), at: now)
        default:
            return []
        }
    }

    private mutating func handleTimerFired(token: Int, at now: Instant, jitter: Double) -> [ServiceAction] {
        guard token == timerToken else { return [] }
        timerArmed = false
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

    // MARK: - Private

    private struct Snapshot {
        let state: ServiceStateName
        let healthy: Bool
    }

    private func snapshot(at now: Instant) -> Snapshot {
        let status = status(at: now)
        return Snapshot(state: status.state, healthy: status.healthy)
    }

    /// The `.announce` of what the event changed since `before`, if anything.
    private mutating func announcement(since before: Snapshot, at now: Instant) -> [ServiceAction] {
        let after = status(at: now)
        let failure = pendingFailure
        pendingFailure = nil
        guard failure != nil || after.state != before.state || after.healthy != before.healthy else { return [] }
        return [.announce(ServiceChange(
            service: service, from: before.state, to: after.state, healthy: after.healthy, message: after.message,
            failure: failure))]
    }

    private mutating func recordFailure(_ reason: String) {
        lastFailure = reason
        failures += 1
        pendingFailure = reason
    }

    private mutating func transition(to newState: State, at now: Instant) {
        state = newState
        stateSince = now
    }

    private mutating func launch(at now: Instant) -> [ServiceAction] {
        launches += 1
        stopWhenLaunched = false
        transition(to: .launching, at: now)
        return voidTimer() + [.launch]
    }

    private mutating func beginStop(pid: Int32, plan: StopPlan, then: AfterStop, at now: Instant) -> [ServiceAction] {
        transition(to: .stopping(pid: pid, step: 0, plan: plan, then: then), at: now)
        return send(plan.steps[0], to: pid)
    }

    private mutating func send(_ step: StopStep, to pid: Int32) -> [ServiceAction] {
        [.signal(step.signal, pid: pid, toGroup: step.toGroup)] + armTimer(after: step.wait)
    }

    /// The service's one timer, (re)armed: an earlier one still pending is replaced.
    private mutating func armTimer(after delay: Duration) -> [ServiceAction] {
        timerToken += 1
        timerArmed = true
        return [.scheduleTimer(after: delay, token: timerToken)]
    }

    /// The pending timer no longer means anything: its token is void, and the owner may drop it.
    private mutating func voidTimer() -> [ServiceAction] {
        timerToken += 1
        guard timerArmed else { return [] }
        timerArmed = false
        return [.cancelTimer]
    }

    private mutating func failure(reason: String, at now: Instant, jitter: Double) -> [ServiceAction] {
        recordFailure(reason)
        let decision = tracker.recordFailure(at: now, runStartedAt: runStartedAt, jitter: jitter)
        runStartedAt = nil
        switch decision {
        case .restart(let delay) where delay == .zero:
            return launch(at: now)
        case .restart(let delay):
            transition(to: .backoff(until: now + delay, reason: reason), at: now)
            return armTimer(after: delay)
        case .giveUp(let why):
            transition(
                to: .failed(reason: "\(reason); \(why): not restarting until `aegisctl restart \(service.rawValue)`"),
                at: now)
            return voidTimer()
        }
    }
}
