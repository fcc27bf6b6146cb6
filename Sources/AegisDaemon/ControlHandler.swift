import AegisCore
import AegisSystem
import Foundation

/// Answers the control protocol from the supervisor's state. Operator commands wait (bounded)
/// for their outcome so that `aegisctl restart X` returns when X is healthy again, or says why not.
struct ControlHandler: Sendable {
    let supervisor: Supervisor
    let backups: BackupCoordinator
    let reloader: Reloader
    let certificates: CertificateManager
    let logs: LogPipeline
    let maintenance: MaintenanceCoordinator
    let status: StatusAssembler
    /// How long start/restart/stop wait for their outcome before answering anyway.
    let operationTimeout: Duration
    /// Point-in-time recovery; nil when no instance has it.
    var pitr: PITRCoordinator? = nil
    /// Rejoin, promotion and re-seed one at a time.
    let replicationGate = ReplicationOperationGate()

    func answer(_ request: ControlRequest) async -> ControlReply {
        switch request {
        case .status:
            return .success(.status(await status.report()))
        case .version:
            return .success(.version(VersionInfo(daemon: AegisVersion.current)))
        case .start(let id), .stop(let id), .restart(let id):
            if case .failure(let error) = await resolve(id, in: .enabled) { return error.reply }
            return await operate(request.command, on: id)
        case .backup(let service):
            return await backup(service)
        case .backups(let service):
            return await listBackups(service)
        case .remoteBackups(let service):
            return await listRemoteBackups(service)
        case .prunePlan(let service, let remote):
            return await prunePlan(service, remote: remote)
        case .restore(let target):
            return await restoreOrVerify(target, restore: true)
        case .verify(let target):
            return await restoreOrVerify(target, restore: false)
        case .connectInfo(let service, let app, let showSecrets):
            return await connectInfo(service, app: app, showSecrets: showSecrets)
        case .certsStatus:
            return .success(.certificates(await certificates.status()))
        case .certsRotate:
            do {
                let message = try await certificates.rotate()
                return .success(message, .certificates(await certificates.status()))
            } catch {
                return .failure(.failed, error.message)
            }
        case .logs(let id, let last, let after):
            let items = logs.router.ring(id, last: last, after: after)
            return .success(.logs(items.map(LogLineReport.init)))
        case .reload:
            do {
                return .success(try await reloader.reload())
            } catch {
                return .failure(.failed, error.reason)
            }
        case .migrateStatus(let service):
            return await migrateStatus(service)
        case .stats(let service):
            return await stats(service)
        case .maintenanceList:
            return .success(.maintenance(await maintenance.statuses()))
        case .maintenanceRun(let job):
            return await runMaintenance(job)
        case .pitrBackup(let service, let type):
            return await pitrBackup(service, type: type)
        case .pitrStatus(let service):
            return await pitrStatus(service)
        case .pitrRestore(let service, let target):
            return await pitrRestore(service, to: target)
        case .pitrDrill(let service):
            return await pitrDrill(service)
        case .replicationBundle(let host):
            return await replicationBundle(host: host)
        case .promote(let service, let force):
            return await exclusively("a promotion") { await promote(service, force: force) }
        case .replicationReseed(let service):
            return await exclusively("a re-seed of \(service.rawValue)") { await reseed(service) }
        case .replicationRejoin(let bundle):
            return await exclusively("a rejoin") { await rejoin(bundle: bundle) }
        case .replicationDropSlot(let service, let slot):
            return await dropSlot(service, slot: slot)
        }
    }

    /// `aegisctl maintenance run JOB`: ok when the job ran and succeeded.
    private func runMaintenance(_ job: String) async -> ControlReply {
        do {
            let status = try await maintenance.run(job)
            return status.lastRun?.ok == true
                ? .success(status.lastRun?.message, .maintenance([status]))
                : .failure(.failed, "\(job) failed: \(status.lastRun?.message ?? "no outcome")", .maintenance([status]))
        } catch {
            return .failure(.badRequest, error.reason)
        }
    }

    /// `aegisctl stats [SERVICE]`: every enabled service, or the named one.
    private func stats(_ service: ServiceID?) async -> ControlReply {
        let chosen: [ServiceID]
        switch await resolve(service, in: .enabled) {
        case .success(let services): chosen = services
        case .failure(let error): return error.reply
        }
        let collector = StatsCollector(config: await reloader.config, account: reloader.context.account)
        var stats: [ServiceStats] = []
        for id in chosen { stats.append(await collector.collect(id)) }
        return .success(.stats(stats))
    }

    /// `aegisctl migrate status [SERVICE]`: read from each database; ok only if none is refused.
    private func migrateStatus(_ service: ServiceID?) async -> ControlReply {
        let config = await reloader.config
        let account = reloader.context.account
        let chosen: [PostgresInstance]
        switch await resolve(service, in: .postgres) {
        case .success(let services): chosen = services.compactMap(\.postgresInstance)
        case .failure(let error): return error.reply
        }
        var statuses: [MigrationStatus] = []
        for instance in chosen {
            statuses.append(await PostgresAdmin(instance: instance, config: config, account: account).migrationStatus())
        }
        let problems = statuses.compactMap { status in status.problem.map { "\(status.service): \($0)" } }
        return problems.isEmpty
            ? .success(.migrations(statuses)) : .failure(.failed, problems.joined(separator: "; "), .migrations(statuses))
    }

    /// `aegisctl connect-info SERVICE [--as APP] [--show-secrets]`.
    private func connectInfo(_ service: ServiceID, app: String?, showSecrets: Bool) async -> ControlReply {
        if case .failure(let error) = await resolve(service, in: .enabled) { return error.reply }
        let config = await reloader.config
        do {
            var password: String?
            if showSecrets, let file = ConnectionInfo.passwordFile(service, as: app, config: config) {
                password = try FileSystem.read(file)?.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            return .success(.connection(try ConnectionInfo.describe(service, as: app, config: config, password: password)))
        } catch let problem as ConnectionInfo.Problem {
            return .failure(.badRequest, problem.message)
        } catch {
            return .failure(.failed, "\(error)")
        }
    }

    /// `aegisctl restore|verify SERVICE latest|NAME [--identity FILE|-]`.
    private func restoreOrVerify(_ target: RestoreTarget, restore: Bool) async -> ControlReply {
        if case .failure(let error) = await resolve(target.service, in: .backups) { return error.reply }
        let service = target.service
        let backup = target.backup ?? "latest"
        // A key sent with the request lives in this value until the operation ends, no longer.
        let identity = target.identity
        do {
            if restore {
                return .success(try await backups.restore(service, backup: backup, identity: identity, remote: target.remote))
            }
            let manifest = try await backups.verify(service, backup: backup, identity: identity, remote: target.remote)
            let report = target.remote
                ? BackupReports.remoteReport(manifest, remote: await backups.config.offsite)
                : BackupReports.report(manifest, directory: await backups.catalog.directory(of: service))
            if let problem = manifest.verifyError {
                return .failure(.failed, "\(manifest.file): \(problem)", .backups([report]))
            }
            return .success("\(manifest.file) verified: restored and every row count matches", .backups([report]))
        } catch {
            return .failure(.failed, error.reason)
        }
    }

    /// `aegisctl backup [SERVICE]`: one service, or every one in turn; ok only if all succeeded.
    private func backup(_ service: ServiceID?) async -> ControlReply {
        let targets: [ServiceID]
        switch await resolve(service, in: .backups) {
        case .success(let services): targets = services
        case .failure(let error): return error.reply
        }
        var reports: [BackupReport] = []
        var problems: [String] = []
        for service in targets {
            do {
                let manifest = try await backups.backup(service)
                reports.append(BackupReports.report(manifest, directory: await backups.catalog.directory(of: service)))
                if let error = manifest.error { problems.append("\(service.rawValue): \(error)") }
            } catch {
                problems.append("\(service.rawValue): \(error.reason)")
            }
        }
        let summary = reports.filter { $0.status == "complete" }.map { "\($0.service): \($0.name)" }
        guard problems.isEmpty else {
            return .failure(.failed, problems.joined(separator: "; "), .backups(reports))
        }
        return .success("backed up " + summary.joined(separator: ", "), .backups(reports))
    }

    private func listBackups(_ service: ServiceID?) async -> ControlReply {
        switch await resolve(service, in: .backups) {
        case .failure(let error):
            return error.reply
        case .success(let services):
            var items: [BackupCatalog.Item] = []
            for service in services { items += await backups.list(service) }
            let offsite = await backups.config.offsite
            let remote = offsite.enabled ? offsite.remote : nil
            let uploadErrors = offsite.enabled ? backups.offsite.uploadErrors() : [:]
            return .success(.backups(items.map { BackupReports.report($0, remote: remote, uploadErrors: uploadErrors) }))
        }
    }

    /// `aegisctl backups list SERVICE --remote`: what the `[offsite]` store holds.
    private func listRemoteBackups(_ service: ServiceID) async -> ControlReply {
        if case .failure(let error) = await resolve(service, in: .backups) { return error.reply }
        do {
            let offsite = await backups.config.offsite
            let pairs = try await backups.remoteBackups(service)
            return .success(.backups(pairs.map { BackupReports.remoteReport($0.manifest, remote: offsite) }))
        } catch {
            return .failure(.failed, error.reason)
        }
    }

    /// `aegisctl backups prune --dry-run [SERVICE] [--remote]`.
    private func prunePlan(_ service: ServiceID?, remote: Bool) async -> ControlReply {
        let targets: [ServiceID]
        switch await resolve(service, in: .backups) {
        case .success(let services): targets = services
        case .failure(let error): return error.reply
        }
        var reports: [BackupReport] = []
        for service in targets {
            if remote {
                do { reports += try await backups.remotePrunePlan(service) } catch { return .failure(.failed, error.reason) }
            } else {
                reports += await backups.prunePlan(service)
            }
        }
        return .success(.backups(reports))
    }

    /// The services `service` means for a command of `scope` (`ServiceResolver`), from what
    /// the daemon runs now.
    func resolve(_ service: ServiceID?, in scope: ServiceResolver.Scope) async -> Result<[ServiceID], ControlError> {
        let candidates: [ServiceID]?
        switch scope {
        case .enabled: candidates = await supervisor.services
        case .postgres:
            let config = await reloader.config
            candidates = PostgresInstance.allCases.map(\.serviceID).filter(config.isEnabled)
        case .backups: candidates = await backups.services
        case .pitr: candidates = pitr?.services
        }
        return ServiceResolver.resolve(service, in: scope, among: candidates)
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
        return wanted ? .success(outcome) : .failure(.failed, outcome)
    }

    private func settle(_ id: ServiceID) async {
        await supervisor.waitUntil([id], timeout: operationTimeout) { $0.isSettledAfterStart }
    }
}

extension ControlError {
    /// The refusal as a reply.
    var reply: ControlReply { ControlReply(.failed(self)) }
}
