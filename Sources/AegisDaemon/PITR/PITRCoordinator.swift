import AegisCore
import AegisSystem
import Foundation
import Logging

/// Point-in-time recovery of the PostgreSQL instances with `[pitr]` on: the stanza (created and
/// checked each time an instance becomes healthy, never before: READY and health do not wait
/// for it), base backups, restores to a time, and what status shows. Backups and restores take
/// the `BackupCoordinator`'s claim on the service, so no two operations of one instance overlap
/// (a dump, a drill, a base backup, a restore).
actor PITRCoordinator {
    let config: AegisConfig
    let account: ServiceAccount
    let supervisor: Supervisor
    let backups: BackupCoordinator
    let logger: Logger
    private let tools: [ServiceID: PgBackRest]
    private var stanzaReady: Set<ServiceID> = []
    private var problems: [ServiceID: String] = [:]
    private var infos: [ServiceID: PgBackRestInfo] = [:]
    private var archivers: [ServiceID: ArchiverFigures] = [:]
    private var lastDrill: [ServiceID: (passedAt: Int64?, error: String?)] = [:]
    /// Why the last base backup into a repository failed, per instance and repository.
    private var backupErrors: [ServiceID: [Int: String]] = [:]

    init(config: AegisConfig, account: ServiceAccount, supervisor: Supervisor, backups: BackupCoordinator, logger: Logger) {
        self.config = config
        self.replication = config.replication
        self.account = account
        self.supervisor = supervisor
        self.backups = backups
        self.logger = logger
        var tools: [ServiceID: PgBackRest] = [:]
        for instance in PostgresInstance.allCases where config.pitrEnabled(instance.serviceID) {
            tools[instance.serviceID] = PgBackRest(instance: instance, config: config, account: account)
        }
        self.tools = tools
    }

    /// The instances with point-in-time recovery.
    nonisolated var services: [ServiceID] { tools.keys.sorted() }

    // MARK: - Stanza

    /// `stanza-create` (idempotent), then `check` (a WAL switch that must reach the repository).
    /// Run after every time the instance becomes healthy: a restore, a new data directory or a
    /// repository that was down are all caught here.
    func ensureStanza(_ service: ServiceID) async {
        guard let tool = tools[service], standbySkip(service) == nil else { return }
        let metadata: Logger.Metadata = ["service": "\(service.rawValue)"]
        do {
            try await Self.retryingWhileLocked { () async throws(SystemError) in
                try await tool.run("stanza-create", deadline: .seconds(120))
                try await tool.run("check", deadline: .seconds(180))
            }
            stanzaReady.insert(service)
            problems[service] = tool.repo2Problem()
            logger.info("pgBackRest stanza \(service.rawValue) is ready; WAL is archived", metadata: metadata)
        } catch {
            stanzaReady.remove(service)
            problems[service] = "the WAL archive is not working: \(error.message)"
            logger.error("pgBackRest stanza \(service.rawValue): \(error.message)", metadata: metadata)
        }
        await refresh(service)
    }

    /// Runs `body` again while pgBackRest says another of its processes holds the stanza's
    /// lock (the asynchronous `archive-get` of a recovery that just ended lets go a moment
    /// later), for up to a minute; any other failure is thrown at once.
    private static func retryingWhileLocked(_ body: () async throws(SystemError) -> Void) async throws(SystemError) {
        let deadline = ContinuousClock.now + .seconds(60)
        while true {
            do {
                try await body()
                return
            } catch where error.message.contains("unable to acquire lock") && ContinuousClock.now < deadline {
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    // MARK: - Base backups

    /// A base backup of one instance now, into each repository in turn (pgBackRest backs up
    /// into one repository per command: repository 1, then 2): the same schedule serves both.
    /// A repository that fails does not keep the other from its backup; the failure is thrown
    /// after both were tried. pgBackRest expires what each repository's retention no longer
    /// keeps right after its backup. Returns the instance's status with the new backups.
    func backup(_ service: ServiceID, type: PITRBackupType) async throws(BackupFailure) -> PITRStatus {
        let tool = try tool(service)
        if let status = await supervisor.serviceStatus(service), !status.healthy {
            throw BackupFailure("\(service.rawValue) is \(status.state.rawValue), not healthy: start it first")
        }
        let reporter = try await backups.claim(service, for: "pitr-backup")
        let metadata: Logger.Metadata = ["service": "\(service.rawValue)"]
        if !stanzaReady.contains(service) { await ensureStanza(service) }
        var failures: [String] = []
        for repo in tool.repositories {
            _ = reporter.begin("\(type.rawValue) base backup into repo\(repo)")
            logger.notice("\(type.rawValue) base backup of \(service.rawValue) into repo\(repo) started", metadata: metadata)
            do {
                try await tool.run("backup", ["--repo=\(repo)", "--type=\(type.rawValue)"], deadline: .seconds(24 * 3600))
                backupErrors[service, default: [:]][repo] = nil
                logger.notice("\(type.rawValue) base backup of \(service.rawValue) into repo\(repo) done", metadata: metadata)
            } catch {
                backupErrors[service, default: [:]][repo] = error.message
                failures.append("repo\(repo): \(error.message)")
                logger.error("\(type.rawValue) base backup of \(service.rawValue) into repo\(repo) failed: \(error.message)",
                             metadata: metadata)
            }
        }
        if failures.isEmpty, problems[service]?.hasPrefix("the last base backup failed") == true { problems[service] = nil }
        if !failures.isEmpty { problems[service] = "the last base backup failed: " + failures.joined(separator: "; ") }
        await backups.release(service)
        await refresh(service)
        guard failures.isEmpty else {
            throw BackupFailure("\(type.rawValue) base backup of \(service.rawValue) failed: " + failures.joined(separator: "; "))
        }
        return status(service)
    }

    // MARK: - Drill

    /// The PITR drill (`PITRDrill`): one operation of the instance like a backup, recorded for
    /// status. Returns what the restored copy held.
    func drill(_ service: ServiceID) async throws(BackupFailure) -> String {
        let tool = try tool(service)
        let reporter = try await backups.claim(service, for: "pitr-drill")
        _ = reporter.begin("restoring into a scratch directory")
        let metadata: Logger.Metadata = ["service": "\(service.rawValue)"]
        let drill = PITRDrill(tool: tool, config: config, account: account, logger: logger)
        let outcome: Result<String, any Error>
        do {
            outcome = .success(try await drill.run(deadline: .seconds(max(600, config.supervision.startTimeoutS * 5))))
        } catch {
            outcome = .failure(error)
        }
        await backups.release(service)
        switch outcome {
        case .success(let answer):
            lastDrill[service] = (UTCTimestamp.now.secondsSinceEpoch, nil)
            logger.notice("PITR drill of \(service.rawValue) passed: the newest base backup and its WAL restore and answer (\(answer))",
                          metadata: metadata)
            return "PITR drill of \(service.rawValue) passed: restored, recovered and answering (\(answer)); scratch copy removed"
        case .failure(let error):
            let reason = (error as? SystemError)?.message ?? "\(error)"
            lastDrill[service] = (lastDrill[service]?.passedAt, reason)
            logger.error("PITR drill of \(service.rawValue) failed: \(reason)", metadata: metadata)
            throw BackupFailure("PITR drill of \(service.rawValue) failed: \(reason)")
        }
    }

    // MARK: - Restore

    /// Restores one instance to `target`: the time is checked against the recoverable window
    /// first; then only this instance is stopped, its data directory renamed aside (never
    /// deleted), pgBackRest restores, and the instance starts, replays WAL up to the target and
    /// is promoted. It must come back healthy; otherwise the previous data directory is put
    /// back and started. Returns what was done.
    func restore(_ service: ServiceID, to target: PITRRestoreTarget) async throws(BackupFailure) -> String {
        let tool = try tool(service)
        var time: RecoveryTime?
        if case .time(let text) = target {
            do { time = try RecoveryTime(parsing: text) } catch { throw BackupFailure(error.description) }
        }
        let reporter = try await backups.claim(service, for: "pitr-restore")
        do {
            let outcome = try await restoreClaimed(service, tool: tool, time: time, reporter: reporter)
            await backups.release(service)
            return outcome
        } catch {
            await backups.release(service)
            throw error
        }
    }

    private func restoreClaimed(
        _ service: ServiceID, tool: PgBackRest, time: RecoveryTime?, reporter: ProgressReporter
    ) async throws(BackupFailure) -> String {
        let metadata: Logger.Metadata = ["service": "\(service.rawValue)"]
        // A running instance first archives what it has, behind a commit made now: the target
        // then lies before the end of the archive, and `--to-latest` loses nothing acknowledged.
        _ = reporter.begin("archiving the current WAL")
        if await supervisor.serviceStatus(service)?.healthy == true {
            do {
                try await flushArchive(service)
            } catch {
                logger.warning("restore of \(service.rawValue): the current WAL could not be archived first (\(error)); restoring from what the repository holds",
                               metadata: metadata)
            }
        }
        await refresh(service)
        let window = status(service)
        if let time, let refusal = window.refusal(for: time) { throw BackupFailure(refusal) }
        if time == nil, window.backups.isEmpty {
            throw BackupFailure("\(service.rawValue) has no base backup to restore from: take one with `aegisctl pitr backup \(service.rawValue)`")
        }

        _ = reporter.begin("stopping \(service.rawValue)")
        logger.notice("restore of \(service.rawValue) to \(time?.target ?? "the end of the archive") started", metadata: metadata)
        try await stopAndWait(service)
        let dataDir = config.layout.dataDir(of: service)
        let stamp = UTCTimestamp.now.fileStamp
        let kept = "\(dataDir).pre_pitr_\(stamp)"
        let hadData = FileSystem.exists(dataDir)
        do {
            try PITRRestoreMarker.write(dataDir: dataDir, kept: hadData ? kept : nil)
            if hadData { try Self.rename(dataDir, to: kept) }
            try FileSystem.makeDirectory(dataDir, mode: 0o700, owner: account)
        } catch {
            if hadData, !FileSystem.exists(dataDir) { try? Self.rename(kept, to: dataDir) }
            PITRRestoreMarker.remove(dataDir: dataDir)
            await supervisor.start(service)
            throw BackupFailure("the data directory could not be set aside: \(error.message)")
        }

        _ = reporter.begin("restoring")
        var options = ["--log-level-console=warn"]
        if let time { options += ["--type=time", "--target=\(time.target)", "--target-action=promote"] }
        do {
            try await tool.run("restore", options, deadline: .seconds(24 * 3600))
            // Complete from here on: an interrupted recovery is PostgreSQL's to resume.
            PITRRestoreMarker.remove(dataDir: dataDir)
            _ = reporter.begin("recovering")
            await supervisor.start(service)
            try await waitHealthy(service)
        } catch {
            let reason = error.message
            logger.error("restore of \(service.rawValue) failed, putting the previous data directory back: \(reason)", metadata: metadata)
            try? await stopAndWait(service)
            if FileSystem.exists(dataDir) { try? Self.rename(dataDir, to: "\(dataDir).failed_pitr_\(stamp)") }
            if hadData { try? Self.rename(kept, to: dataDir) }
            PITRRestoreMarker.remove(dataDir: dataDir)
            await supervisor.start(service)
            throw BackupFailure(
                "restore of \(service.rawValue) failed: \(reason); it runs on its previous data directory again"
                    + " (the failed attempt is kept as \(dataDir).failed_pitr_\(stamp))")
        }
        let outcome = "\(service.rawValue) restored to \(time?.target ?? "the end of the archive") and healthy"
            + (hadData ? "; the previous data directory is kept as \(kept) (remove it when you no longer need it)" : "")
        logger.notice("\(outcome)", metadata: metadata)
        return outcome
    }

    /// A commit, a WAL switch, and a wait until that segment is in the repository.
    private func flushArchive(_ service: ServiceID) async throws {
        let admin = PostgresAdmin(instance: service.postgresInstance!, config: config, account: account)
        let segment = try await admin.run("aegisd-pitr") { connection -> String in
            _ = try connection.execute("SELECT txid_current()", timeout: .seconds(30))
            return try connection.execute("SELECT pg_walfile_name(pg_switch_wal())", timeout: .seconds(30)).first?.first??.description ?? ""
        }
        let deadline = ContinuousClock.now + .seconds(max(60, config.pitr.archiveTimeoutS * 2))
        while ContinuousClock.now < deadline {
            let figures = try await ArchiverFigures.read(admin)
            if let last = figures.lastArchivedWal, last >= segment { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw SystemError("WAL segment \(segment) was not archived in time")
    }

    private func stopAndWait(_ service: ServiceID) async throws(BackupFailure) {
        await supervisor.stop(service)
        await supervisor.waitUntil([service], timeout: .seconds(180)) { $0.state == .stopped || $0.state == .failed }
        guard let state = await supervisor.serviceStatus(service)?.state, state == .stopped || state == .failed else {
            throw BackupFailure("\(service.rawValue) did not stop; nothing was changed")
        }
    }

    private func waitHealthy(_ service: ServiceID) async throws(SystemError) {
        await supervisor.waitUntil([service], timeout: .seconds(config.supervision.startTimeoutS + 10)) {
            $0.healthy || $0.state == .failed
        }
        guard let status = await supervisor.serviceStatus(service), status.healthy else {
            throw SystemError("\(service.rawValue) did not become healthy after the restore")
        }
    }

    private static func rename(_ from: String, to: String) throws(SystemError) {
        guard Glibc.rename(from, to) == 0 else { throw SystemError.errno("cannot rename \(from) to \(to)") }
    }

    // MARK: - Status

    /// Reads the repository (`pgbackrest info`) and the archiver's figures again.
    func refresh(_ service: ServiceID) async {
        guard let tool = tools[service] else { return }
        if let info = try? await tool.info() { infos[service] = info }
        if await supervisor.serviceStatus(service)?.healthy == true,
           let figures = try? await ArchiverFigures.read(
            PostgresAdmin(instance: service.postgresInstance!, config: config, account: account)) {
            archivers[service] = figures
        }
    }

    /// The archiver's figures only (cheap): the status loop calls this every collection.
    func refreshArchivers() async {
        for service in services where await supervisor.serviceStatus(service)?.healthy == true {
            if let figures = try? await ArchiverFigures.read(
                PostgresAdmin(instance: service.postgresInstance!, config: config, account: account)) {
                archivers[service] = figures
            }
        }
    }

    func refreshAll() async {
        for service in services { await refresh(service) }
    }

    /// The instances with point-in-time recovery here now: not those that follow a primary since
    /// a rejoin (their stanza, archive and base backups are the primary's business; shown, they
    /// would raise the PITR alerts for what no longer runs here).
    func statuses(now: Int64 = UTCTimestamp.now.secondsSinceEpoch) -> [PITRStatus] {
        services.filter { standbySkip($0) == nil }.map { status($0, now: now) }
    }

    func status(_ service: ServiceID, now: Int64 = UTCTimestamp.now.secondsSinceEpoch) -> PITRStatus {
        let info = infos[service]
        var status = PITRStatus(
            service: service.rawValue, stanzaReady: stanzaReady.contains(service), problem: problems[service],
            backups: info?.backups ?? [])
        status.walMin = info?.walMin
        status.walMax = info?.walMax
        status.windowStart = info?.earliestRecoverable
        let archiver = archivers[service]
        let newestArchive = archiver?.lastArchivedAt ?? tools[service]?.newestArchivedAt(wal: info?.walMax)
        if status.windowStart != nil { status.windowEnd = max(status.windowStart!, newestArchive ?? status.windowStart!) }
        status.newestBackupAgeSeconds = info?.newestBackup.map { now - $0.stoppedAt }
        status.lastDrillAt = lastDrill[service]?.passedAt
        status.lastDrillError = lastDrill[service]?.error
        if let tool = tools[service] { status.repositories = repositories(service, tool: tool, info: info) }
        if status.problem == nil, let unreadable = status.repositories?.first(where: { !$0.readable }) {
            status.problem = "repo\(unreadable.repo) cannot be read: \(unreadable.error ?? "?")"
        }
        if let archiver {
            status.archivedCount = archiver.archivedCount
            status.failedCount = archiver.failedCount
            status.lastArchivedAt = archiver.lastArchivedAt
            status.lastFailedAt = archiver.lastFailedAt
            status.lastFailedWal = archiver.lastFailedWal
            status.archiveLagSeconds = archiver.lagSeconds(now: now)
            status.walBytes = archiver.walBytes
            if let lag = status.archiveLagSeconds, lag > 0, status.problem == nil {
                status.problem = "WAL archiving is failing (last failure \(archiver.lastFailedWal ?? "?")); archiving is \(lag) s behind"
            }
        }
        return status
    }

    /// Each repository as `pgbackrest info` last described it.
    private func repositories(_ service: ServiceID, tool: PgBackRest, info: PgBackRestInfo?) -> [PITRRepositoryStatus] {
        tool.repositories.map { repo in
            let described = info?.repositories.first { $0.key == repo }
            let held = (info?.backups ?? []).filter { ($0.repo ?? 1) == repo && !$0.error }
            return PITRRepositoryStatus(
                repo: repo, location: tool.location(of: repo), readable: described?.readable ?? (info != nil),
                error: described.flatMap { $0.readable ? nil : $0.statusMessage } ?? (info == nil ? "pgbackrest info has not answered yet" : nil),
                backupCount: held.count, newestBackupAt: held.last?.stoppedAt, walMax: described?.walMax,
                lastBackupError: backupErrors[service]?[repo])
        }
    }

    /// When a base backup of `type` last began, for the scheduler's catch-up decision.
    func lastBackupStart(_ type: PITRBackupType) -> UTCTimestamp? {
        infos.values.flatMap(\.backups).filter { $0.type == type.rawValue }.map(\.startedAt).max()
            .map(UTCTimestamp.init(secondsSinceEpoch:))
    }

    /// The `[replication]` section in force: the configuration's, or the one a rejoin or a
    /// promotion switched to since (`Reloader.adopt`).
    private(set) var replication: ReplicationSettings

    func update(replication: ReplicationSettings) { self.replication = replication }

    /// Why `service` has no base backups, drills or restores here now: it follows a primary
    /// (this host rejoined as a standby since aegisd started), which archives the WAL. nil otherwise.
    func standbySkip(_ service: ServiceID) -> String? {
        replication.follows(service)
            ? "skipped on a standby ([replication] role = \"standby\"): point-in-time recovery runs on the primary" : nil
    }

    private func tool(_ service: ServiceID) throws(BackupFailure) -> PgBackRest {
        if let skipped = standbySkip(service) { throw BackupFailure("\(service.rawValue): \(skipped)") }
        guard let tool = tools[service] else {
            throw BackupFailure("\(service.rawValue) has no point-in-time recovery (only PostgreSQL instances with [pitr] on do)")
        }
        return tool
    }
}
