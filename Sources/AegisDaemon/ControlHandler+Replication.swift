import AegisCore
import AegisSystem
import Glibc

/// `aegisctl replication bundle`: what a standby needs to pair with this primary.
extension ControlHandler {
    func replicationBundle(host requested: String?) async -> ControlReply {
        let config = await reloader.config
        do {
            let bundle = try ReplicationBundleMaker(config: config).make(host: requested)
            return .success("bundle for a standby of \(bundle.primaryHost)", .bundle(SecretText(bundle.encoded())))
        } catch {
            return .failure(.failed, error.message)
        }
    }
}

extension ControlHandler {
    /// `aegisctl promote [SERVICE] [--force]`.
    func promote(_ service: ServiceID?, force: Bool) async -> ControlReply {
        guard let monitor = status.replication else { return .failure(.failed, "replication is not watched in this daemon") }
        let promoter = Promoter(
            config: await reloader.config, configPath: reloader.configPath, account: reloader.context.account, monitor: monitor,
            promotions: reloader.context.promotions, logger: reloader.context.logger)
        do {
            let (message, reports) = try await promoter.promote(service, force: force)
            return .success(message, .promotions(reports))
        } catch {
            return .failure(.failed, error.message)
        }
    }
}

extension ControlHandler {
    /// `aegisctl replication reseed SERVICE`: the instance stopped, its data directory moved
    /// aside (kept, never deleted), and started again, which copies it from the primary.
    func reseed(_ service: ServiceID) async -> ControlReply {
        let config = await reloader.config
        guard service.kind == .postgres, config.isEnabled(service), config.replication.follows(service),
              !reloader.context.promotions.contains(service)
        else {
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
