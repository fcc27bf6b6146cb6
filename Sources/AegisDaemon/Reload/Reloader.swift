import AegisCore
import AegisSystem
import Logging

/// Configuration reloads (SIGHUP, `aegisctl reload`): the file is read and checked again; a
/// bad file is refused with its errors and the running configuration stays in force; a good
/// one is applied as the core's `ReloadPlan` says (only changed services restart). systemd
/// hears `RELOADING=1` before and `READY=1` after. The reloader decides; what it calls out to
/// is behind `ReloadTargets`.
actor Reloader {
    let configPath: String
    private(set) var config: AegisConfig
    let context: DriverContext
    let targets: any ReloadTargets

    init(configPath: String, config: AegisConfig, context: DriverContext, targets: any ReloadTargets) {
        self.configPath = configPath
        self.config = config
        self.context = context
        self.targets = targets
    }

    var logger: Logger { context.logger }

    /// Reloads waiting for their turn behind the running one (for tests).
    var queuedReloads: Int { waiting.count }

    /// Re-reads the file and applies it. Returns what was done, or throws why nothing was.
    ///
    /// One at a time: the actor alone does not serialize them (a reload waits for services, and
    /// another could begin meanwhile, plan against the same old configuration, and restart the
    /// same services twice). A reload that arrives during another waits for it, then reads the
    /// file afresh, so it sees what the first one applied.
    func reload() async throws(ReloadFailure) -> String {
        await takeTurn()
        defer { endTurn() }
        targets.announceReloading("reloading \(configPath)")
        let result: Result<String, ReloadFailure>
        do { result = .success(try await apply()) } catch { result = .failure(error) }
        await targets.announceReady()
        return try result.get()
    }

    private var reloading = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    private func takeTurn() async {
        guard reloading else {
            reloading = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    /// Hands the turn to the next waiting reload, in arrival order.
    private func endTurn() {
        if waiting.isEmpty { reloading = false } else { waiting.removeFirst().resume() }
    }

    /// Takes the `[replication]` section `aegisctl replication rejoin` or `aegisctl promote`
    /// rewrote the file to (or switched to while aegisd runs, when the file could not be
    /// rewritten), as a reload of that file would: the parts that only read the configuration
    /// (backups, maintenance, point-in-time recovery, certificates, status) follow it at once
    /// and the schedules start again, so a host that became a standby skips what runs on the
    /// primary only, and one that became a primary runs it, without a restart of aegisd. The
    /// services are not touched: the rejoin or promotion itself restarted or changed them.
    /// A later reload compares the file with this, not with what aegisd started with.
    func adopt(replication: ReplicationSettings) async {
        await takeTurn()
        defer { endTurn() }
        var new = config
        new.replication = replication
        await targets.update(new)
        config = new
        targets.schedulesChanged()
        let role = (replication.isStandby ? "a standby of \(replication.primaryHost)" : "a primary")
            + (replication.promoted.isEmpty ? "" : " (promoted here: \(replication.promoted.joined(separator: ", ")))")
        logger.notice("now \(role): backups, point-in-time recovery and maintenance follow that")
    }

    private func apply() async throws(ReloadFailure) -> String {
        let report = ConfigCheckReport.check(path: configPath, environment: .daemon)
        guard report.isUsable else {
            let problem = ConfigError(file: configPath, issues: report.errors).description
            logger.error("reload refused, the running configuration stays in force: \(problem)")
            throw ReloadFailure("the new configuration has errors; the running one stays in force:\n\(problem)")
        }
        let new: AegisConfig
        do {
            new = try ConfigLoader.load(path: configPath)
        } catch {
            throw ReloadFailure("the new configuration cannot be loaded; the running one stays in force: \(error)")
        }
        let plan = ReloadPlan(old: config, new: new)
        guard plan.needsDaemonRestart.isEmpty else {
            logger.error("reload \(plan.summary)")
            throw ReloadFailure(plan.summary)
        }
        logger.notice("reload: \(plan.summary)")
        // Certificates first: a server restarted for TLS must find its files.
        let reissued: [ServiceID]
        do {
            reissued = try await targets.prepareCertificates(for: new)
        } catch {
            await targets.restoreCertificates(config)
            throw ReloadFailure("the certificates for the new configuration cannot be made: \(error.message)")
        }
        await targets.applyServices(plan, config: new)
        // A certificate re-issued for a server that keeps running (its names follow every
        // server's listen addresses) is loaded without a restart, as a renewal is.
        await targets.reloadCertificates(of: reissued.filter { !plan.restart.contains($0) && !plan.start.contains($0) })
        await targets.update(new)
        config = new
        if plan.backupChanged || plan.maintenanceChanged { targets.schedulesChanged() }
        await targets.waitSettled(plan.restart + plan.start, timeout: .seconds(new.supervision.startTimeoutS))
        return "reloaded \(configPath): \(plan.summary)"
    }
}

/// Why a reload changed nothing.
struct ReloadFailure: Error, CustomStringConvertible {
    let reason: String
    init(_ reason: String) { self.reason = reason }
    var description: String { reason }
}
