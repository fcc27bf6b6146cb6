import Testing
@testable import AegisCore

/// The supervisor's state machine, driven as tables: input → expected actions and state.
@Suite struct ServiceStateMachineTests {
    let t0 = ContinuousClock.now
    let policy = ServicePolicy(
        stopPlan: .postgres,
        restart: RestartPolicy(
            initialDelay: .milliseconds(500), maxDelay: .seconds(60), stableAfter: .seconds(60),
            maxFailures: 3, window: .seconds(300)),
        failureThreshold: 3, startTimeout: .seconds(30))

    func machine() -> ServiceStateMachine {
        ServiceStateMachine(service: .postgresBackend, policy: policy, now: t0)
    }

    /// A machine that has started pid 100 and passed a health check.
    func runningMachine() -> ServiceStateMachine {
        var m = machine()
        _ = m.startRequested(at: t0)
        _ = m.launched(pid: 100, at: t0)
        _ = m.healthChecked(passed: true, detail: "", at: t0 + .seconds(1))
        return m
    }

    @Test func testStart_launchesThenWaitsForHealthUnderAStartTimeout() {
        var m = machine()
        #expect(m.startRequested(at: t0).operational == [.launch])
        #expect(m.state == .launching)
        #expect(m.launched(pid: 100, at: t0).operational == [.scheduleTimer(after: .seconds(30), token: 2)])
        #expect(m.state == .starting(pid: 100))
        #expect(m.healthChecked(passed: false, detail: "refused", at: t0).operational == [])
        #expect(m.healthChecked(passed: true, detail: "", at: t0).operational == [.cancelTimer], "the start timeout is dropped")
        #expect(m.state == .running(pid: 100, failedChecks: 0))
        #expect(m.status(at: t0).healthy)
        #expect(m.restarts == 0)
    }

    @Test func testStartTimeout_afterHealthyIsVoid() {
        var m = runningMachine()
        #expect(m.timerFired(token: 2, at: t0 + .seconds(30), jitter: 0).operational == [])
        #expect(m.state == .running(pid: 100, failedChecks: 0))
    }

    @Test func testStartTimeout_whileStillStarting_stopsPolitelyThenRecovers() {
        var m = machine()
        _ = m.startRequested(at: t0)
        _ = m.launched(pid: 100, at: t0)
        let actions = m.timerFired(token: 2, at: t0 + .seconds(30), jitter: 0).operational
        #expect(actions == [.signal(.terminate, pid: 100, toGroup: false), .scheduleTimer(after: .seconds(5), token: 3)])
        // The process exits: first failure of a streak restarts at once.
        #expect(m.exited(.signaled(15), at: t0 + .seconds(31), jitter: 0.5).operational == [.killProcessGroup(100), .cancelTimer, .launch])
        #expect(m.restarts == 1)
        #expect(m.lastFailure?.contains("not healthy within 30s") == true)
    }

    @Test func testStartRefused_stopsPolitely_thenFailsWithoutRestart() {
        var m = machine()
        _ = m.startRequested(at: t0)
        _ = m.launched(pid: 100, at: t0)
        let actions = m.startRefused(reason: "migration 0001_x.sql was edited", at: t0 + .seconds(1)).operational
        #expect(actions == [.signal(.terminate, pid: 100, toGroup: false), .scheduleTimer(after: .seconds(5), token: 3)])
        #expect(m.exited(.exited(0), at: t0 + .seconds(2), jitter: 0.5).operational == [.killProcessGroup(100), .cancelTimer])
        guard case .failed(let reason) = m.state else {
            Issue.record("expected failed, got \(m.state)")
            return
        }
        #expect(reason.contains("0001_x.sql") && reason.contains("aegisctl restart postgres-backend"))
        #expect(m.restarts == 0 && m.failures == 1)
        // The stale start timer does nothing; an operator's start tries again.
        #expect(m.timerFired(token: 3, at: t0 + .seconds(9), jitter: 0).operational == [])
        #expect(m.startRequested(at: t0 + .seconds(10)).operational == [.launch])
    }

    @Test func testStartRefused_whenNotRunning_isIgnored() {
        var m = machine()
        #expect(m.startRefused(reason: "x", at: t0).operational == [])
        #expect(m.state == .stopped)
    }

    @Test func testUnexpectedExit_restartsAtOnceThenBacksOffWithJitter() {
        var m = runningMachine()
        #expect(m.exited(.signaled(9), at: t0 + .seconds(2), jitter: 0.5).operational == [.killProcessGroup(100), .launch])
        _ = m.launched(pid: 101, at: t0 + .seconds(2))
        // Second failure of the streak: full jitter inside a 500 ms cap.
        let actions = m.exited(.exited(1), at: t0 + .seconds(3), jitter: 0.5).operational
        #expect(actions == [.killProcessGroup(101), .scheduleTimer(after: .milliseconds(250), token: 6)])
        guard case .backoff(_, let reason) = m.state else { Issue.record("expected backoff"); return }
        #expect(reason == "exited with status 1 unexpectedly")
        #expect(m.status(at: t0 + .seconds(3)).state == .backoff)
        #expect(m.timerFired(token: 5, at: t0 + .seconds(4), jitter: 0).operational == [], "a stale timer does nothing")
        #expect(m.timerFired(token: 6, at: t0 + .seconds(4), jitter: 0).operational == [.launch])
        #expect(m.restarts == 2)
    }

    @Test func testTooManyFailuresInWindow_opensTheBreaker_untilOperatorRestart() {
        var m = runningMachine()
        var now = t0
        for pid in Int32(100)...Int32(102) {
            now = now + .seconds(1)
            _ = m.exited(.exited(1), at: now, jitter: 0)  // jitter 0: every restart immediate
            if pid < 102 { _ = m.launched(pid: pid + 1, at: now) }
        }
        guard case .failed(let reason) = m.state else { Issue.record("expected failed, got \(m.state)"); return }
        #expect(reason.contains("3 failures within 300s"))
        #expect(reason.contains("aegisctl restart postgres-backend"))
        #expect(m.status(at: now).state == .failed)
        #expect(m.restartRequested(at: now).operational == [.launch], "an operator's restart closes the breaker")
    }

    @Test func testStableRun_resetsTheBackoffStreak() {
        var m = runningMachine()
        _ = m.exited(.exited(1), at: t0 + .seconds(1), jitter: 0.9)
        _ = m.launched(pid: 101, at: t0 + .seconds(1))
        // Runs for 2 minutes (> stableAfter): the next failure is the first of a new streak.
        #expect(m.exited(.exited(1), at: t0 + .seconds(121), jitter: 0.9).operational == [.killProcessGroup(101), .cancelTimer, .launch])
    }

    @Test func testHealthFailures_belowThresholdAreTolerated_atThresholdKillTheHungGroup() {
        var m = runningMachine()
        #expect(m.healthChecked(passed: false, detail: "timeout", at: t0).operational == [])
        #expect(m.status(at: t0).healthy == false)
        #expect(m.healthChecked(passed: true, detail: "", at: t0).operational == [], "one good answer clears the count")
        _ = m.healthChecked(passed: false, detail: "timeout", at: t0)
        _ = m.healthChecked(passed: false, detail: "timeout", at: t0)
        let actions = m.healthChecked(passed: false, detail: "timeout", at: t0).operational
        #expect(actions == [.signal(.kill, pid: 100, toGroup: true), .scheduleTimer(after: .seconds(5), token: 4)])
        #expect(m.exited(.signaled(9), at: t0, jitter: 0).operational == [.killProcessGroup(100), .cancelTimer, .launch])
        #expect(m.lastFailure?.contains("no healthy answer to 3 health checks (timeout)") == true)
    }

    @Test func testStop_walksThePostgresLadderToSigkill() {
        var m = runningMachine()
        var actions = m.stopRequested(at: t0).operational
        #expect(actions == [.signal(.terminate, pid: 100, toGroup: false), .scheduleTimer(after: .seconds(5), token: 4)])
        actions = m.timerFired(token: 4, at: t0, jitter: 0).operational
        #expect(actions == [.signal(.interrupt, pid: 100, toGroup: false), .scheduleTimer(after: .seconds(20), token: 5)])
        actions = m.timerFired(token: 5, at: t0, jitter: 0).operational
        #expect(actions == [.signal(.quit, pid: 100, toGroup: false), .scheduleTimer(after: .seconds(5), token: 6)])
        actions = m.timerFired(token: 6, at: t0, jitter: 0).operational
        #expect(actions == [.signal(.kill, pid: 100, toGroup: true), .scheduleTimer(after: .seconds(5), token: 7)])
        actions = m.timerFired(token: 7, at: t0, jitter: 0).operational
        #expect(actions == [.signal(.kill, pid: 100, toGroup: true), .scheduleTimer(after: .seconds(5), token: 8)],
                "past the last rung it keeps killing")
        #expect(m.exited(.signaled(9), at: t0, jitter: 0).operational == [.killProcessGroup(100), .cancelTimer])
        #expect(m.state == .stopped)
        #expect(m.status(at: t0).pid == nil)
    }

    @Test func testStopWhileLaunching_isCarriedOutOnceThePidIsKnown() {
        var m = machine()
        _ = m.startRequested(at: t0)
        #expect(m.stopRequested(at: t0).operational == [])
        #expect(m.launched(pid: 7, at: t0).operational == [.signal(.terminate, pid: 7, toGroup: false), .scheduleTimer(after: .seconds(5), token: 2)])
        #expect(m.exited(.exited(0), at: t0, jitter: 0).operational == [.killProcessGroup(7), .cancelTimer])
        #expect(m.state == .stopped)
    }

    @Test func testStopDuringBackoff_cancelsTheRestart() {
        var m = runningMachine()
        _ = m.exited(.exited(1), at: t0, jitter: 0)
        _ = m.launched(pid: 101, at: t0)
        let actions = m.exited(.exited(1), at: t0, jitter: 0.5).operational
        guard case .scheduleTimer(_, let token) = actions.last else { Issue.record("no timer"); return }
        #expect(m.stopRequested(at: t0).operational == [.cancelTimer])
        #expect(m.state == .stopped)
        #expect(m.timerFired(token: token, at: t0 + .seconds(1), jitter: 0).operational == [])
    }

    @Test func testOperatorRestart_stopsGracefullyAndStartsAgainWithoutCountingAFailure() {
        var m = runningMachine()
        #expect(m.restartRequested(at: t0).operational.first == .signal(.terminate, pid: 100, toGroup: false))
        #expect(m.exited(.exited(0), at: t0, jitter: 0).operational == [.killProcessGroup(100), .cancelTimer, .launch])
        #expect(m.lastFailure == nil)
        #expect(m.restarts == 1)
    }

    @Test func testPermanentLaunchFailure_isUnavailable_notRetried() {
        var m = ServiceStateMachine(service: .loki, policy: policy, now: t0)
        _ = m.startRequested(at: t0)
        #expect(m.launchFailed(reason: "loki is not installed", permanent: true, at: t0, jitter: 0).operational == [])
        let status = m.status(at: t0)
        #expect(status.state == .unavailable)
        #expect(status.message == "loki is not installed")
        #expect(m.stopRequested(at: t0).operational == [])
        #expect(m.startRequested(at: t0).operational == [.launch], "start tries again: it may have been installed")
    }

    @Test func testTransientLaunchFailures_endFailedWithoutAStorm() {
        var m = machine()
        var now = t0
        var launches = 0
        var actions = m.startRequested(at: now).operational
        while actions.contains(.launch) || actions.contains(where: { if case .scheduleTimer = $0 { true } else { false } }) {
            if actions.contains(.launch) {
                launches += 1
                actions = m.launchFailed(reason: "initdb failed", permanent: false, at: now, jitter: 0.99).operational
            } else if case .scheduleTimer(let delay, let token) = actions.last {
                now = now + delay
                actions = m.timerFired(token: token, at: now, jitter: 0.99).operational
            }
        }
        #expect(launches == 3)
        #expect(m.status(at: now).state == .failed)
    }
}

extension [ServiceAction] {
    /// The actions that act, without the `.announce` reports (tested on their own).
    var operational: [ServiceAction] { filter { !$0.isAnnouncement } }
}
