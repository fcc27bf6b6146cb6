/// What the state machine asks its owner to do. The machine never does these itself; the
/// supervisor actor's `run(_:)` is the only place that spawns, signals or sleeps.
public enum ServiceAction: Sendable, Equatable {
    /// Prepare the service (directories, config files, first-run init) and spawn its process;
    /// report back with `launched(pid:at:)` or `launchFailed(reason:permanent:at:jitter:)`.
    case launch
    /// Send a signal to the process, or to its whole process group.
    case signal(ProcessSignal, pid: Int32, toGroup: Bool)
    /// Call `timerFired(token:at:jitter:)` after this long; older tokens are void.
    case scheduleTimer(after: Duration, token: Int)
    /// The pending timer is void (the state it guarded was left): drop it. Arming a new one
    /// with `scheduleTimer` replaces the old one without this.
    case cancelTimer
    /// The main process is gone: SIGKILL what is left in its process group (a postmaster's
    /// backends, a child's grandchildren) so nothing holds the data directory or the pipes.
    case killProcessGroup(Int32)
    /// Tell the world what the event changed (state, health, a failure). Comes first in the
    /// list, before the actions that carry the change out.
    case announce(ServiceChange)

    /// Whether this action only reports (`announce`) rather than acts.
    public var isAnnouncement: Bool {
        if case .announce = self { true } else { false }
    }
}
