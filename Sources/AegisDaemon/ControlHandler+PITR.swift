import AegisCore

/// `aegisctl pitr backup|status` and `aegisctl restore SERVICE --to-time|--to-latest`.
extension ControlHandler {
    func pitrBackup(_ service: ServiceID, type: PITRBackupType) async -> ControlReply {
        let pitr: PITRCoordinator
        switch await pitrTargets(service) {
        case .success(let found): pitr = found.coordinator
        case .failure(let error): return error.reply
        }
        do {
            let status = try await pitr.backup(service, type: type)
            return .success("\(type.rawValue) base backup of \(service.rawValue) done", .pitr([status]))
        } catch {
            return .failure(.failed, error.reason)
        }
    }

    func pitrStatus(_ service: ServiceID?) async -> ControlReply {
        let (pitr, chosen): (PITRCoordinator, [ServiceID])
        switch await pitrTargets(service) {
        case .success(let found): (pitr, chosen) = found
        case .failure(let error): return error.reply
        }
        for id in chosen { await pitr.refresh(id) }
        return .success(.pitr(await pitr.statuses().filter { status in chosen.contains { $0.rawValue == status.service } }))
    }

    func pitrRestore(_ service: ServiceID, to target: PITRRestoreTarget) async -> ControlReply {
        let pitr: PITRCoordinator
        switch await pitrTargets(service) {
        case .success(let found): pitr = found.coordinator
        case .failure(let error): return error.reply
        }
        do {
            let message = try await pitr.restore(service, to: target)
            return .success(message, .pitr([await pitr.status(service)]))
        } catch {
            return .failure(.failed, error.reason)
        }
    }

    func pitrDrill(_ service: ServiceID) async -> ControlReply {
        let pitr: PITRCoordinator
        switch await pitrTargets(service) {
        case .success(let found): pitr = found.coordinator
        case .failure(let error): return error.reply
        }
        do {
            let message = try await pitr.drill(service)
            return .success(message, .pitr([await pitr.status(service)]))
        } catch {
            return .failure(.failed, error.reason, .pitr([await pitr.status(service)]))
        }
    }

    /// The coordinator and the instances `service` means (`ServiceResolver`'s `.pitr` scope).
    private func pitrTargets(
        _ service: ServiceID?
    ) async -> Result<(coordinator: PITRCoordinator, services: [ServiceID]), ControlError> {
        if await pitr?.replication.isStandby == true {
            return .failure(ControlError(
                code: .badRequest,
                message: "no point-in-time recovery on a standby ([replication] role = \"standby\"): the primary archives the WAL"))
        }
        return switch (await resolve(service, in: .pitr), pitr) {
        case (.failure(let error), _): .failure(error)
        case (.success(let services), let pitr?): .success((pitr, services))
        case (.success, nil): preconditionFailure("without a PITR coordinator the resolver refuses every name")
        }
    }
}
