/// Everything the state machine needs to know about how one service is supervised.
public struct ServicePolicy: Sendable, Equatable {
    public var stopPlan: StopPlan
    public var restart: RestartPolicy
    /// Consecutive failed health checks of a running service that mean it is hung.
    public var failureThreshold: Int
    /// How long a started process may take to pass its first health check.
    public var startTimeout: Duration

    public init(stopPlan: StopPlan, restart: RestartPolicy, failureThreshold: Int, startTimeout: Duration) {
        precondition(failureThreshold >= 1)
        self.stopPlan = stopPlan
        self.restart = restart
        self.failureThreshold = failureThreshold
        self.startTimeout = startTimeout
    }

    public init(stopPlan: StopPlan, settings: SupervisionSettings) {
        self.init(
            stopPlan: stopPlan, restart: RestartPolicy(settings), failureThreshold: settings.failureThreshold,
            startTimeout: .seconds(settings.startTimeoutS))
    }
}
