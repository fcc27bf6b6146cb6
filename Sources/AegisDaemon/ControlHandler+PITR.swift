import AegisCore

/// `aegisctl pitr backup|status` and `aegisctl restore SERVICE --to-time|--to-latest`.
extension ControlHandler {
    func pitrBackup(_ service: ServiceID, type: PITRBackupType) async -> ControlReply {
        guard let pitr, pitr.services.contains(service) else { return noPITR(service) }
        do {
            var reply = ControlReply(ok: true, message: "\(type.rawValue) base backup of \(service.rawValue) done")
            reply.pitr = [try await pitr.backup(service, type: type)]
            return reply
        } catch {
            return .failure(.failed, error.reason)
        }
    }

    func pitrStatus(_ service: ServiceID?) async -> ControlReply {
        guard let pitr, service.map(pitr.services.contains) ?? true else { return noPITR(service) }
        let chosen = service.map { [$0] } ?? pitr.services
        for id in chosen { await pitr.refresh(id) }
        var reply = ControlReply(ok: true)
        reply.pitr = await pitr.statuses().filter { status in chosen.contains { $0.rawValue == status.service } }
        return reply
    }

    func pitrRestore(_ service: ServiceID, to target: PITRRestoreTarget) async -> ControlReply {
        guard let pitr, pitr.services.contains(service) else { return noPITR(service) }
        do {
            var reply = ControlReply(ok: true, message: try await pitr.restore(service, to: target))
            reply.pitr = [await pitr.status(service)]
            return reply
        } catch {
            return .failure(.failed, error.reason)
        }
    }

    func pitrDrill(_ service: ServiceID) async -> ControlReply {
        guard let pitr, pitr.services.contains(service) else { return noPITR(service) }
        do {
            var reply = ControlReply(ok: true, message: try await pitr.drill(service))
            reply.pitr = [await pitr.status(service)]
            return reply
        } catch {
            var reply = ControlReply.failure(.failed, error.reason)
            reply.pitr = [await pitr.status(service)]
            return reply
        }
    }

    private func noPITR(_ service: ServiceID?) -> ControlReply {
        if pitr?.config.replication.isStandby == true {
            return .failure(.badRequest, "no point-in-time recovery on a standby ([replication] role = \"standby\"): the primary archives the WAL")
        }
        let names = pitr?.services.map(\.rawValue).joined(separator: ", ") ?? ""
        return .failure(
            .badRequest,
            "\(service?.rawValue ?? "this daemon") has no point-in-time recovery; "
                + (names.isEmpty ? "no instance has it ([pitr] enabled = false)" : "instances with it: \(names)"))
    }
}
