import AegisCore
import AegisSystem
import Glibc

/// `aegisctl replication bundle`: what a standby needs to pair with this primary.
extension ControlHandler {
    func replicationBundle(host requested: String?) async -> ControlReply {
        let config = await reloader.config
        // What admits a standby is set when an instance starts as a primary: pg_hba's replication
        // lines, the replication role's password (this host's secret, not the old primary's the
        // copy carries) and its grants, Redis's replication user. Until then a bundle would not work.
        guard reloader.context.promotions.isEmpty else {
            return .failure(.failed, "this host was promoted since aegisd started, and its instances admit no standby yet "
                + "(pg_hba's replication lines and the replication role's password are set when an instance starts "
                + "as a primary): restart aegisd (systemctl restart aegisd), then make the bundle")
        }
        do {
            let bundle = try ReplicationBundleMaker(config: config).make(host: requested)
            return .success("bundle for a standby of \(bundle.primaryHost)", .bundle(SecretText(bundle.encoded())))
        } catch {
            return .failure(.failed, error.message)
        }
    }
}

extension ControlHandler {
    /// Runs `body` holding the replication gate, or refuses at once while another rejoin,
    /// promotion or re-seed runs.
    func exclusively(_ operation: String, _ body: () async -> ControlReply) async -> ControlReply {
        if let busy = replicationGate.enter(operation) { return .failure(.failed, busy) }
        defer { replicationGate.leave() }
        return await body()
    }
}

extension ControlHandler {
    /// `aegisctl promote [SERVICE] [--force]`.
    func promote(_ service: ServiceID?, force: Bool) async -> ControlReply {
        guard let monitor = status.replication else { return .failure(.failed, "replication is not watched in this daemon") }
        // The configuration in force: with what a rejoin since aegisd started set (`Reloader.adopt`).
        let promoter = Promoter(
            config: await reloader.config, configPath: reloader.configPath, account: reloader.context.account, monitor: monitor,
            promotions: reloader.context.promotions, logger: reloader.context.logger)
        do {
            let (message, reports) = try await promoter.promote(service, force: force)
            await reloader.adopt(replication: promoter.settingsAfterPromotion)
            return .success(message, .promotions(reports))
        } catch {
            // Those promoted before one failed are primaries all the same.
            await reloader.adopt(replication: promoter.settingsAfterPromotion)
            return .failure(.failed, error.message)
        }
    }
}

extension ControlHandler {
    /// `aegisctl replication reseed SERVICE`: the instance stopped, its data directory moved
    /// aside (kept, never deleted), and started again, which copies it from the primary.
    func reseed(_ service: ServiceID) async -> ControlReply {
        let config = await reloader.config
        // Following now: configured so, or rejoined since aegisd started; not promoted since.
        let follows = status.replication?.follows(service)
            ?? (config.replication.follows(service) && !reloader.context.promotions.contains(service))
        guard service.kind == .postgres, config.isEnabled(service), follows else {
            return .failure(.badRequest, "\(service.rawValue) is not a PostgreSQL instance following a primary here"
                + (service == .redis ? " (Redis copies everything again by itself when it must)" : ""))
        }
        await supervisor.stop(service)
        await supervisor.waitUntil([service], timeout: operationTimeout) { $0.pid == nil && $0.state != .starting }
        guard await supervisor.serviceStatus(service)?.pid == nil else {
            return .failure(.failed, "\(service.rawValue) did not stop; nothing was moved")
        }
        let dataDir = config.layout.dataDir(of: service)
        let aside = "\(dataDir).before-reseed-\(UTCTimestamp.now.fileStamp)"
        guard rename(dataDir, aside) == 0 else {
            let reason = String(cString: strerror(errno))
            await supervisor.start(service)
            return .failure(.failed, "cannot move \(dataDir) aside (\(reason)); \(service.rawValue) restarted on it")
        }
        reloader.context.logger.notice(
            "re-seeding \(service.rawValue): its data directory is now \(aside)", metadata: ["service": "\(service.rawValue)"])
        await supervisor.start(service)
        await supervisor.waitUntil([service], timeout: .seconds(3600)) { $0.isSettledAfterStart }
        let status = await supervisor.serviceStatus(service)
        let outcome = "\(service.rawValue) copied from the primary again and \(status?.healthy == true ? "healthy" : "not healthy")"
            + (status?.message.map { ": \($0)" } ?? "") + ". The previous data directory is \(aside): remove it once you do not need it."
        return status?.healthy == true ? .success(outcome) : .failure(.failed, outcome)
    }
}

extension ControlHandler {
    /// `aegisctl replication rejoin --bundle FILE`: this old primary becomes a standby.
    func rejoin(bundle: SecretText) async -> ControlReply {
        let reloader = reloader
        let rejoiner = Rejoiner(
            config: await reloader.config, configPath: reloader.configPath, context: reloader.context, supervisor: supervisor,
            stopTimeout: operationTimeout, adopt: { await reloader.adopt(replication: $0) })
        do {
            let (message, reports) = try await rejoiner.rejoin(bundle)
            return reports.contains { $0.outcome == .failed }
                ? .failure(.failed, message, .rejoin(reports)) : .success(message, .rejoin(reports))
        } catch {
            return .failure(.failed, error.message)
        }
    }

    /// `aegisctl replication drop-slot SERVICE NAME`: an inactive physical slot of a primary's
    /// instance dropped, one that no standby uses any more (a standby re-paired under another
    /// name, a host gone for good). An active slot is refused: its standby streams from it.
    func dropSlot(_ service: ServiceID, slot: String) async -> ControlReply {
        let config = await reloader.config
        guard let instance = service.postgresInstance, config.isEnabled(service) else {
            return .failure(.badRequest, "slots belong to PostgreSQL instances; \(service.rawValue) is none here")
        }
        if status.replication?.follows(service) ?? config.replication.follows(service) {
            return .failure(.failed, "\(service.rawValue) is a standby here: its slot lives on the primary; drop it there")
        }
        let admin = PostgresAdmin(instance: instance, config: config, account: reloader.context.account)
        do {
            let outcome: String = try await admin.run("aegisd-drop-slot") { connection in
                let name = try connection.quoteLiteral(slot)
                let rows = try connection.execute(
                    "SELECT active, slot_type FROM pg_replication_slots WHERE slot_name = \(name)", timeout: .seconds(30))
                guard let row = rows.first else {
                    let all = try connection.execute("SELECT slot_name FROM pg_replication_slots ORDER BY 1", timeout: .seconds(30))
                        .compactMap { $0.first ?? nil }
                    return "no slot \(slot) on \(service.rawValue); its slots: " + (all.isEmpty ? "none" : all.joined(separator: ", "))
                }
                guard row[1] == "physical" else { return "\(slot) is a \(row[1] ?? "?") slot, which aegisd does not manage" }
                guard row[0] != "t" else { return "\(slot) is active: a standby streams from it. Stop that standby first" }
                try connection.execute("SELECT pg_drop_replication_slot(\(name))", timeout: .seconds(30))
                return ""
            }
            guard outcome.isEmpty else { return .failure(.failed, outcome) }
            reloader.context.logger.notice("dropped the slot \(slot)", metadata: ["service": "\(service.rawValue)"])
            return .success("dropped the slot \(slot) of \(service.rawValue): the WAL it kept can be recycled")
        } catch {
            return .failure(.failed, "cannot drop the slot \(slot) of \(service.rawValue): \(error)")
        }
    }
}
