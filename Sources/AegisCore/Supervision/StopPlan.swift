/// How a service is stopped: a ladder of signals, each with the time allowed before the next
/// rung, always ending in SIGKILL (as swift-subprocess's `TeardownStep` and s6's policy do).
/// A plan is a value so that each driver states its own and tests can read it.
public struct StopPlan: Sendable, Equatable, CustomStringConvertible {
    public let steps: [StopStep]

    /// `steps` without a final SIGKILL get one (with `finalWait`), so no plan can end with a
    /// process left running.
    public init(_ steps: [StopStep], finalWait: Duration = .seconds(5)) {
        var steps = steps
        if steps.last?.signal != .kill {
            steps.append(StopStep(.kill, toGroup: true, wait: finalWait))
        }
        self.steps = steps
    }

    /// PostgreSQL: smart (waits for clients), fast (disconnects them, checkpoints), immediate
    /// (no checkpoint, crash recovery on next start), then SIGKILL of the whole process group.
    public static let postgres = StopPlan([
        StopStep(.terminate, wait: .seconds(5)),
        StopStep(.interrupt, wait: .seconds(20)),
        StopStep(.quit, wait: .seconds(5)),
    ])

    /// Redis: SIGTERM makes it save the RDB (and fsync the AOF) before exiting.
    public static let redis = StopPlan([StopStep(.terminate, wait: .seconds(30))])

    /// Loki flushes its ingester on SIGTERM.
    public static let loki = StopPlan([StopStep(.terminate, wait: .seconds(15))])

    /// A hung process (health checks time out, e.g. SIGSTOPped) would not act on a polite signal,
    /// and both PostgreSQL (WAL) and Redis (AOF) are built to recover from SIGKILL.
    public static let hung = StopPlan([StopStep(.kill, toGroup: true, wait: .seconds(5))])

    public var description: String {
        steps.map { "\($0.signal)\($0.toGroup ? " (group)" : "") +\($0.wait)" }.joined(separator: " → ")
    }
}

/// One rung of a `StopPlan`.
public struct StopStep: Sendable, Equatable {
    public let signal: ProcessSignal
    /// Send to the whole process group instead of the main process only.
    public let toGroup: Bool
    /// Time to wait for the process to exit before the next rung.
    public let wait: Duration

    public init(_ signal: ProcessSignal, toGroup: Bool = false, wait: Duration) {
        self.signal = signal
        self.toGroup = toGroup
        self.wait = wait
    }
}

/// The signals the supervisor uses, with Linux's numbers (the core does not import Glibc).
public enum ProcessSignal: Int32, Sendable, Equatable, CustomStringConvertible {
    case hangup = 1
    case interrupt = 2
    case quit = 3
    case kill = 9
    case terminate = 15
    case `continue` = 18

    public var description: String {
        switch self {
        case .hangup: "SIGHUP"
        case .interrupt: "SIGINT"
        case .quit: "SIGQUIT"
        case .kill: "SIGKILL"
        case .terminate: "SIGTERM"
        case .continue: "SIGCONT"
        }
    }
}
