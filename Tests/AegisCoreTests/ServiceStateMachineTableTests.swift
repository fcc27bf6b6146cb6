import Testing
@testable import AegisCore

/// The supervisor's state machine as one table, the way s6-supervise's fits on a screen: every
/// state (a row, reached by real inputs from a fresh machine) × every input (a column), with the
/// state it leads to, the actions it asks for, and whether it counts as a failure. Timer tokens
/// are read from the actions a row's setup returned, never written down. A cell that can only
/// arrive late (an exit after the stop finished, a stale timer) is stated as doing nothing.
@Suite struct ServiceStateMachineTableTests {
    /// The states, as a row's setup leaves them.
    enum Row: String, CaseIterable, Sendable {
        case stopped, unavailable, launching, launchingStopWanted, starting, running, runningDegraded
        case stoppingStay, stoppingRestart, stoppingRecover, stoppingFail, backoff, failed
    }

    /// The inputs. `launched` reports pid 200 (the current process, where there is one, is 100);
    /// `lastTimerFired` fires the newest token a `.scheduleTimer` of the setup carried.
    enum Input: String, CaseIterable, Sendable {
        case start, stop, restart, launched, launchFailed, launchFailedPermanently, exited
        case healthPassed, healthFailed, startRefused, lastTimerFired, unknownTimerFired
    }

    /// An action as the table states it: timers by their delay (tokens are the machine's).
    enum Act: Equatable, CustomStringConvertible {
        case launch
        case signal(ProcessSignal, pid: Int32, group: Bool)
        case timer(Duration)
        case killGroup(Int32)
        case cancelTimer

        init?(_ action: ServiceAction) {
            switch action {
            case .launch: self = .launch
            case .signal(let signal, let pid, let group): self = .signal(signal, pid: pid, group: group)
            case .scheduleTimer(let delay, _): self = .timer(delay)
            case .killProcessGroup(let pid): self = .killGroup(pid)
            case .cancelTimer: self = .cancelTimer
            case .announce: return nil
            }
        }

        var description: String {
            switch self {
            case .launch: "launch"
            case .signal(let s, let pid, let group): "\(s)→\(pid)\(group ? "(group)" : "")"
            case .timer(let d): "timer \(d)"
            case .killGroup(let pid): "kill group \(pid)"
            case .cancelTimer: "cancel timer"
            }
        }
    }

    /// One cell: the state after the input, the actions, and whether a failure is announced.
    struct Cell {
        let next: String
        let acts: [Act]
        let failure: Bool
        init(_ next: String, _ acts: [Act] = [], failure: Bool = false) {
            self.next = next
            self.acts = acts
            self.failure = failure
        }
    }

    static let term100: [Act] = [.signal(.terminate, pid: 100, group: false), .timer(.seconds(5))]
    static let secondRung100: [Act] = [.signal(.interrupt, pid: 100, group: false), .timer(.seconds(20))]
    static let kill200: [Act] = [.signal(.kill, pid: 200, group: true)]

    /// The table. `nil` in `lastTimerFired`: the row has no timer armed by its setup.
    static let table: [Row: [Input: Cell?]] = [
        .stopped: [
            .start: Cell("launching", [.launch]), .stop: Cell("stopped"), .restart: Cell("launching", [.launch]),
            .launched: Cell("stopped", kill200), .launchFailed: Cell("stopped"), .launchFailedPermanently: Cell("stopped"),
            .exited: Cell("stopped"), .healthPassed: Cell("stopped"), .healthFailed: Cell("stopped"),
            .startRefused: Cell("stopped"), .lastTimerFired: nil, .unknownTimerFired: Cell("stopped"),
        ],
        .unavailable: [
            .start: Cell("launching", [.launch]), .stop: Cell("unavailable"), .restart: Cell("launching", [.launch]),
            .launched: Cell("unavailable", kill200), .launchFailed: Cell("unavailable"),
            .launchFailedPermanently: Cell("unavailable"), .exited: Cell("unavailable"),
            .healthPassed: Cell("unavailable"), .healthFailed: Cell("unavailable"), .startRefused: Cell("unavailable"),
            .lastTimerFired: nil, .unknownTimerFired: Cell("unavailable"),
        ],
        .launching: [
            .start: Cell("launching"), .stop: Cell("launching"), .restart: Cell("launching"),
            .launched: Cell("starting", [.timer(.seconds(30))]),
            .launchFailed: Cell("launching", [.launch], failure: true),  // first of a streak: at once
            .launchFailedPermanently: Cell("unavailable", failure: true),
            .exited: Cell("launching"), .healthPassed: Cell("launching"), .healthFailed: Cell("launching"),
            .startRefused: Cell("launching"), .lastTimerFired: nil, .unknownTimerFired: Cell("launching"),
        ],
        .launchingStopWanted: [
            .start: Cell("launching"), .stop: Cell("launching"), .restart: Cell("launching"),
            .launched: Cell("stopping(stay)", [.signal(.terminate, pid: 200, group: false), .timer(.seconds(5))]),
            .launchFailed: Cell("stopped"), .launchFailedPermanently: Cell("stopped"),
            .exited: Cell("launching"), .healthPassed: Cell("launching"), .healthFailed: Cell("launching"),
            .startRefused: Cell("launching"), .lastTimerFired: nil, .unknownTimerFired: Cell("launching"),
        ],
        .starting: [
            .start: Cell("starting"), .stop: Cell("stopping(stay)", term100), .restart: Cell("stopping(restart)", term100),
            .launched: Cell("starting", kill200), .launchFailed: Cell("starting"), .launchFailedPermanently: Cell("starting"),
            .exited: Cell("launching", [.killGroup(100), .cancelTimer, .launch], failure: true),
            .healthPassed: Cell("running(0)", [.cancelTimer]), .healthFailed: Cell("starting"),
            .startRefused: Cell("stopping(fail)", term100, failure: true),
            .lastTimerFired: Cell("stopping(recover)", term100),  // the start timeout
            .unknownTimerFired: Cell("starting"),
        ],
        .running: [
            .start: Cell("running(0)"), .stop: Cell("stopping(stay)", term100), .restart: Cell("stopping(restart)", term100),
            .launched: Cell("running(0)", kill200), .launchFailed: Cell("running(0)"),
            .launchFailedPermanently: Cell("running(0)"),
            .exited: Cell("launching", [.killGroup(100), .launch], failure: true),
            .healthPassed: Cell("running(0)"), .healthFailed: Cell("running(1)"),
            .startRefused: Cell("stopping(fail)", term100, failure: true),
            .lastTimerFired: Cell("running(0)"),  // the start timeout, void once healthy
            .unknownTimerFired: Cell("running(0)"),
        ],
        .runningDegraded: [
            .start: Cell("running(2)"), .stop: Cell("stopping(stay)", term100), .restart: Cell("stopping(restart)", term100),
            .launched: Cell("running(2)", kill200), .launchFailed: Cell("running(2)"),
            .launchFailedPermanently: Cell("running(2)"),
            .exited: Cell("launching", [.killGroup(100), .launch], failure: true),
            .healthPassed: Cell("running(0)"),
            // The third failed check in a row: hung. No polite signal reaches a stopped process.
            .healthFailed: Cell("stopping(recover)", [.signal(.kill, pid: 100, group: true), .timer(.seconds(5))]),
            .startRefused: Cell("stopping(fail)", term100, failure: true),
            .lastTimerFired: Cell("running(2)"), .unknownTimerFired: Cell("running(2)"),
        ],
        .stoppingStay: [
            .start: Cell("stopping(restart)"), .stop: Cell("stopping(stay)"), .restart: Cell("stopping(restart)"),
            .launched: Cell("stopping(stay)", kill200), .launchFailed: Cell("stopping(stay)"),
            .launchFailedPermanently: Cell("stopping(stay)"), .exited: Cell("stopped", [.killGroup(100), .cancelTimer]),
            .healthPassed: Cell("stopping(stay)"), .healthFailed: Cell("stopping(stay)"),
            .startRefused: Cell("stopping(stay)"), .lastTimerFired: Cell("stopping(stay)", secondRung100),
            .unknownTimerFired: Cell("stopping(stay)"),
        ],
        .stoppingRestart: [
            .start: Cell("stopping(restart)"), .stop: Cell("stopping(stay)"), .restart: Cell("stopping(restart)"),
            .launched: Cell("stopping(restart)", kill200), .launchFailed: Cell("stopping(restart)"),
            .launchFailedPermanently: Cell("stopping(restart)"),
            .exited: Cell("launching", [.killGroup(100), .cancelTimer, .launch]),  // an operator's restart is no failure
            .healthPassed: Cell("stopping(restart)"), .healthFailed: Cell("stopping(restart)"),
            .startRefused: Cell("stopping(restart)"), .lastTimerFired: Cell("stopping(restart)", secondRung100),
            .unknownTimerFired: Cell("stopping(restart)"),
        ],
        .stoppingRecover: [
            .start: Cell("stopping(restart)"), .stop: Cell("stopping(stay)"), .restart: Cell("stopping(restart)"),
            .launched: Cell("stopping(recover)", kill200), .launchFailed: Cell("stopping(recover)"),
            .launchFailedPermanently: Cell("stopping(recover)"),
            .exited: Cell("launching", [.killGroup(100), .cancelTimer, .launch], failure: true),
            .healthPassed: Cell("stopping(recover)"), .healthFailed: Cell("stopping(recover)"),
            .startRefused: Cell("stopping(recover)"), .lastTimerFired: Cell("stopping(recover)", secondRung100),
            .unknownTimerFired: Cell("stopping(recover)"),
        ],
        .stoppingFail: [
            .start: Cell("stopping(restart)"), .stop: Cell("stopping(stay)"), .restart: Cell("stopping(restart)"),
            .launched: Cell("stopping(fail)", kill200), .launchFailed: Cell("stopping(fail)"),
            .launchFailedPermanently: Cell("stopping(fail)"),
            .exited: Cell("failed", [.killGroup(100), .cancelTimer]),  // counted when the start was refused
            .healthPassed: Cell("stopping(fail)"), .healthFailed: Cell("stopping(fail)"),
            .startRefused: Cell("stopping(fail)"), .lastTimerFired: Cell("stopping(fail)", secondRung100),
            .unknownTimerFired: Cell("stopping(fail)"),
        ],
        .backoff: [
            .start: Cell("launching", [.cancelTimer, .launch]), .stop: Cell("stopped", [.cancelTimer]),
            .restart: Cell("launching", [.cancelTimer, .launch]),
            .launched: Cell("backoff", kill200), .launchFailed: Cell("backoff"), .launchFailedPermanently: Cell("backoff"),
            .exited: Cell("backoff"), .healthPassed: Cell("backoff"), .healthFailed: Cell("backoff"),
            .startRefused: Cell("backoff"), .lastTimerFired: Cell("launching", [.launch]),
            .unknownTimerFired: Cell("backoff"),
        ],
        .failed: [
            .start: Cell("launching", [.launch]), .stop: Cell("stopped"), .restart: Cell("launching", [.launch]),
            .launched: Cell("failed", kill200), .launchFailed: Cell("failed"), .launchFailedPermanently: Cell("failed"),
            .exited: Cell("failed"), .healthPassed: Cell("failed"), .healthFailed: Cell("failed"),
            .startRefused: Cell("failed"),
            .lastTimerFired: Cell("failed"),  // the last start timeout, long void
            .unknownTimerFired: Cell("failed"),
        ],
    ]

    let t0 = ContinuousClock.now
    let policy = ServicePolicy(
        stopPlan: .postgres,
        restart: RestartPolicy(
            initialDelay: .milliseconds(500), maxDelay: .seconds(60), stableAfter: .seconds(60),
            maxFailures: 3, window: .seconds(300)),
        failureThreshold: 3, startTimeout: .seconds(30))

    /// A machine in `row`'s state, with the newest timer token its setup was given.
    struct Setup {
        var machine: ServiceStateMachine
        var lastToken: Int?
        var now: ContinuousClock.Instant

        mutating func feed(_ actions: [ServiceAction]) {
            for case .scheduleTimer(_, let token) in actions { lastToken = token }
        }
        mutating func step(_ input: (inout ServiceStateMachine, ContinuousClock.Instant) -> [ServiceAction]) {
            now = now + .seconds(1)
            feed(input(&machine, now))
        }
    }

    func setup(_ row: Row) -> Setup {
        var s = Setup(machine: ServiceStateMachine(service: .postgresBackend, policy: policy, now: t0), lastToken: nil, now: t0)
        func start() { s.step { $0.startRequested(at: $1) } }
        func launch(_ pid: Int32 = 100) { s.step { $0.launched(pid: pid, at: $1) } }
        func healthy(_ passed: Bool = true) { s.step { $0.healthChecked(passed: passed, detail: "probe", at: $1) } }
        func exit() { s.step { $0.exited(.exited(1), at: $1, jitter: 0.5) } }
        switch row {
        case .stopped: break
        case .unavailable: start(); s.step { $0.launchFailed(reason: "no binary", permanent: true, at: $1, jitter: 0.5) }
        case .launching: start()
        case .launchingStopWanted: start(); s.step { $0.stopRequested(at: $1) }
        case .starting: start(); launch()
        case .running: start(); launch(); healthy()
        case .runningDegraded: start(); launch(); healthy(); healthy(false); healthy(false)
        case .stoppingStay: start(); launch(); healthy(); s.step { $0.stopRequested(at: $1) }
        case .stoppingRestart: start(); launch(); healthy(); s.step { $0.restartRequested(at: $1) }
        case .stoppingRecover:
            start(); launch()
            let token = s.lastToken!
            s.step { $0.timerFired(token: token, at: $1, jitter: 0.5) }
        case .stoppingFail: start(); launch(); healthy(); s.step { $0.startRefused(reason: "migration refused", at: $1) }
        case .backoff: start(); launch(99); healthy(); exit(); launch(); exit()
        case .failed: start(); launch(97); healthy(); exit(); launch(98); exit()
            let token = s.lastToken!
            s.step { $0.timerFired(token: token, at: $1, jitter: 0.5) }
            launch(99); exit()
        }
        return s
    }

    static func label(_ state: ServiceStateMachine.State) -> String {
        switch state {
        case .stopped: "stopped"
        case .unavailable: "unavailable"
        case .launching: "launching"
        case .starting: "starting"
        case .running(_, let failedChecks): "running(\(failedChecks))"
        case .stopping(_, _, _, let then):
            switch then {
            case .stay: "stopping(stay)"
            case .restart: "stopping(restart)"
            case .recover: "stopping(recover)"
            case .fail: "stopping(fail)"
            }
        case .backoff: "backoff"
        case .failed: "failed"
        }
    }

    @Test func testTable_coversEveryStateAndInput() {
        for row in Row.allCases {
            #expect(Self.table[row]?.count == Input.allCases.count, "row \(row) states every input")
        }
    }

    @Test func testSetups_reachTheirRows() {
        let expected: [Row: String] = [
            .stopped: "stopped", .unavailable: "unavailable", .launching: "launching", .launchingStopWanted: "launching",
            .starting: "starting", .running: "running(0)", .runningDegraded: "running(2)",
            .stoppingStay: "stopping(stay)", .stoppingRestart: "stopping(restart)", .stoppingRecover: "stopping(recover)",
            .stoppingFail: "stopping(fail)", .backoff: "backoff", .failed: "failed",
        ]
        for row in Row.allCases {
            #expect(Self.label(setup(row).machine.state) == expected[row], "\(row)")
        }
    }

    @Test(arguments: Row.allCases, Input.allCases)
    func testCell(row: Row, input: Input) throws {
        var s = setup(row)
        let expected = try #require(Self.table[row]?[input])
        guard let cell = expected else {
            #expect(s.lastToken == nil, "\(row) has a timer armed: state its lastTimerFired cell")
            return
        }
        let failuresBefore = s.machine.failures
        let now = s.now + .seconds(1)
        let actions: [ServiceAction]
        switch input {
        case .start: actions = s.machine.startRequested(at: now)
        case .stop: actions = s.machine.stopRequested(at: now)
        case .restart: actions = s.machine.restartRequested(at: now)
        case .launched: actions = s.machine.launched(pid: 200, at: now)
        case .launchFailed: actions = s.machine.launchFailed(reason: "initdb failed", permanent: false, at: now, jitter: 0.5)
        case .launchFailedPermanently:
            actions = s.machine.launchFailed(reason: "not installed", permanent: true, at: now, jitter: 0.5)
        case .exited: actions = s.machine.exited(.signaled(9), at: now, jitter: 0.5)
        case .healthPassed: actions = s.machine.healthChecked(passed: true, detail: "ok", at: now)
        case .healthFailed: actions = s.machine.healthChecked(passed: false, detail: "timeout", at: now)
        case .startRefused: actions = s.machine.startRefused(reason: "migration refused", at: now)
        case .lastTimerFired:
            let token = try #require(s.lastToken, "\(row): the table expects a timer but the setup armed none")
            actions = s.machine.timerFired(token: token, at: now, jitter: 0.5)
        case .unknownTimerFired: actions = s.machine.timerFired(token: -1, at: now, jitter: 0.5)
        }
        let where_ = "\(row) × \(input)"
        #expect(Self.label(s.machine.state) == cell.next, "\(where_): next state")
        #expect(actions.compactMap(Act.init) == cell.acts, "\(where_): actions")
        let announced = actions.compactMap { if case .announce(let change) = $0 { change } else { nil } }
        #expect(announced.count <= 1, "\(where_): at most one announcement")
        #expect((announced.first?.failure != nil) == cell.failure, "\(where_): failure announced")
        #expect((s.machine.failures > failuresBefore) == cell.failure, "\(where_): failure counted")
        if let change = announced.first {
            #expect(actions.first == .announce(change), "\(where_): the announcement comes first")
        }
    }

    @Test func testAnnouncements_sayEveryTransitionAndHealthChange_once() {
        var s = setup(.running)
        let now = s.now + .seconds(1)
        // Health lost without a transition: announced, not as a failure.
        let degraded = s.machine.healthChecked(passed: false, detail: "timeout", at: now)
        #expect(degraded == [.announce(ServiceChange(
            service: .postgresBackend, from: .running, to: .running, healthy: false,
            message: "1 failed health check(s)", failure: nil))])
        // Nothing changed: nothing announced.
        #expect(s.machine.healthChecked(passed: false, detail: "timeout", at: now).isEmpty)
        // A crash: one announcement with the failure, then the actions.
        let crash = s.machine.exited(.signaled(9), at: now, jitter: 0.5)
        guard case .announce(let change) = crash.first else { Issue.record("no announcement: \(crash)"); return }
        #expect(change.from == .running && change.to == .starting)
        #expect(change.failure == "killed by signal 9 (SIGKILL) unexpectedly")
        #expect(change.description.hasPrefix("postgres-backend: running → starting"))
    }
}
