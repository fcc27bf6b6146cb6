import AegisCore

/// Answers the control protocol from the supervisor's state. Operator commands wait (bounded)
/// for their outcome so that `aegisctl restart X` returns when X is healthy again, or says why not.
struct ControlHandler: Sendable {
    let supervisor: Supervisor
    /// How long start/restart/stop wait for their outcome before answering anyway.
    let operationTimeout: Duration

    func answer(_ request: ControlRequest) async -> ControlReply {
        switch request.command {
        case .status:
            return ControlReply(ok: true, status: await supervisor.status())
        case .version:
            return ControlReply(ok: true, version: VersionInfo(daemon: AegisVersion.current))
        case .start, .stop, .restart:
            let services = await supervisor.services
            guard let name = request.service else {
                return .failure(.badRequest, "\(request.command.rawValue) needs a service: \(Self.list(services))")
            }
            guard let id = ServiceID(rawValue: name), services.contains(id) else {
                return .failure(.unknownService, "no enabled service named '\(name)'; services: \(Self.list(services))")
            }
            return await operate(request.command, on: id)
        }
    }

    private func operate(_ command: ControlCommand, on id: ServiceID) async -> ControlReply {
        switch command {
        case .stop:
            await supervisor.stop(id)
            await supervisor.waitUntil([id], timeout: operationTimeout) { $0.pid == nil && $0.state != .starting }
        case .start:
            await supervisor.start(id)
            await settle(id)
        default:
            await supervisor.restart(id)
            // Let the stop begin before waiting for the service to come back.
            await supervisor.waitUntil([id], timeout: operationTimeout) { $0.state != .running }
            await settle(id)
        }
        guard let status = await supervisor.serviceStatus(id) else {
            return .failure(.failed, "\(id.rawValue) vanished")
        }
        let outcome = "\(id.rawValue) is \(status.state.rawValue)\(status.healthy ? " and healthy" : "")"
            + (status.message.map { ": \($0)" } ?? "")
        let wanted = command == .stop ? status.state == .stopped : status.healthy
        return wanted ? ControlReply(ok: true, message: outcome) : .failure(.failed, outcome)
    }

    private func settle(_ id: ServiceID) async {
        await supervisor.waitUntil([id], timeout: operationTimeout) { $0.isSettledAfterStart }
    }

    private static func list(_ services: [ServiceID]) -> String {
        services.map(\.rawValue).joined(separator: ", ")
    }
}
