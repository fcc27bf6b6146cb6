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
    /// The main process is gone: SIGKILL what is left in its process group (a postmaster's
    /// backends, a child's grandchildren) so nothing holds the data directory or the pipes.
    case killProcessGroup(Int32)
}
