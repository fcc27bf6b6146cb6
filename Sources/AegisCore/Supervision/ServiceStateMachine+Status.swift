extension ServiceStateMachine {
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
}
