import AegisCore
import AegisSystem
import Logging

/// Runs backups: at most one per service at a time, each through `BackupRunner`, then
/// retention. Remembers each service's last success and failure for status. Operator requests
/// and the scheduler both come through here.
actor BackupCoordinator {
    private(set) var config: AegisConfig
    private(set) var catalog: BackupCatalog
    private(set) var runner: BackupRunner
    let supervisor: any BackupSupervision
    let logger: Logger
    /// The time of day (injected: tests move it by hand).
    let clock: @Sendable () -> UTCTimestamp
    private var running: Set<ServiceID> = []
    /// What the running operations report, for status and `--follow`.
    private var reporters: [ServiceID: ProgressReporter] = [:]
    /// When this daemon started: a service with no backup is stale once a scheduled run passed.
    private let startedAt: UTCTimestamp
    private(set) var lastSuccess: [ServiceID: BackupManifest] = [:]
    private(set) var lastFailure: [ServiceID: BackupManifest] = [:]
    /// Kept in memory: status is asked for twice a second and must not read the disk.
    private(set) var lastVerified: [ServiceID: UTCTimestamp] = [:]
    /// The failed drill per service when it is the newest drill (its manifest's
    /// `verify_failed_at` and error); removed when a later drill passes.
    private(set) var lastDrillFailure: [ServiceID: (at: UTCTimestamp, error: String)] = [:]

    /// - Parameters:
    ///   - makeSources: what can be backed up under a configuration (tests give scripted sources).
    ///   - clock: the time of day.
    init(
        config: AegisConfig, account: ServiceAccount, supervisor: any BackupSupervision, logger: Logger,
        makeSources: @escaping @Sendable (AegisConfig, ServiceAccount) -> [ServiceID: any BackupSource]
            = BackupCoordinator.sources(config:account:),
        clock: @escaping @Sendable () -> UTCTimestamp = { .now }
    ) {
        self.config = config
        self.catalog = Self.catalog(config)
        self.runner = BackupRunner(
            settings: config.backup, catalog: Self.catalog(config), layout: config.layout, logger: logger, clock: clock)
        self.supervisor = supervisor
        self.logger = logger
        self.clock = clock
        self.makeSources = makeSources
        startedAt = clock()
        let sources = makeSources(config, account)
        self.sources = sources
        self.account = account
        offsite = OffsiteReplicator(
            settings: config.offsite, catalog: Self.catalog(config), services: sources.keys.sorted(), logger: logger)
    }

    /// Off-host copies of the complete backups; run by the service group (`OffsiteService`).
    let offsite: OffsiteReplicator

    private var sources: [ServiceID: any BackupSource]
    private let makeSources: @Sendable (AegisConfig, ServiceAccount) -> [ServiceID: any BackupSource]
    private let account: ServiceAccount

    /// A reload's new configuration: later operations use its settings and services.
    func update(config: AegisConfig) {
        self.config = config
        catalog = Self.catalog(config)
        runner = BackupRunner(settings: config.backup, catalog: catalog, layout: config.layout, logger: logger, clock: clock)
        sources = makeSources(config, account)
        offsite.update(settings: config.offsite, catalog: catalog, services: services)
        recover()
    }

    private static func catalog(_ config: AegisConfig) -> BackupCatalog {
        BackupCatalog(directory: config.backup.directory.isEmpty ? config.layout.backupsDir : config.backup.directory)
    }

    /// The services that can be backed up: every enabled PostgreSQL instance and Redis.
    var services: [ServiceID] { sources.keys.sorted() }

    /// Removes what a crash left behind (temporary files) and learns the last outcomes from the
    /// manifests on disk, so status is right from the first second after a restart.
    func recover() {
        for service in services {
            for path in catalog.leftovers(of: service) {
                logger.warning("removing \(path), left by an interrupted backup", metadata: ["service": "\(service.rawValue)"])
                FileSystem.remove(path)
            }
            let manifests = catalog.items(of: service).compactMap(\.manifest)
            lastSuccess[service] = manifests.last { $0.status == .complete }
            lastFailure[service] = manifests.last { $0.status == .failed }
            lastVerified[service] = manifests.compactMap(\.verifiedAt).max()
            // Only a failure newer than every pass is the newest drill (a pass in the same
            // second may have come after it).
            lastDrillFailure[service] = manifests
                .compactMap { m in m.verifyFailedAt.map { (at: $0, error: m.verifyError ?? "unknown reason") } }
                .max { $0.at < $1.at }
                .flatMap { failure in lastVerified[service].map { failure.at > $0 } ?? true ? failure : nil }
        }
    }

    /// Backs up one service now. Throws when it cannot even begin (unknown, already running,
    /// not running); a backup that begins and fails returns its failed manifest.
    func backup(_ service: ServiceID) async throws(BackupFailure) -> BackupManifest {
        if let skipped = standbySkip(service) { throw BackupFailure(skipped) }
        guard let source = sources[service] else {
            throw BackupFailure("\(service.rawValue) has no backups (only enabled PostgreSQL instances and Redis do)")
        }
        try await requireHealthy(service)
        let reporter = try claim(service, for: "backup")
        defer { release(service) }
        if let refusal = spaceRefusal(service) {
            // Recorded as the service's last failure, so that status, /metrics and the alerts
            // show it; nothing is written.
            logger.error("\(refusal)", metadata: ["service": "\(service.rawValue)"])
            let now = clock()
            lastFailure[service] = BackupManifest(
                service: service, file: "", database: nil, status: .failed, error: refusal, startedAt: now, finishedAt: now,
                encryption: config.backup.encryption)
            throw BackupFailure(refusal)
        }
        let manifest = await runner.run(source, reporter: reporter)
        switch manifest.status {
        case .complete:
            lastSuccess[service] = manifest
            applyRetention(service)
            offsite.backupCompleted()
        case .failed:
            lastFailure[service] = manifest
        }
        return manifest
    }

    /// Why a backup of `service` would leave too little free space, if it would (`DiskSpaceGuard`).
    private func spaceRefusal(_ service: ServiceID) -> String? {
        guard let filesystem = FilesystemSpace.figures(of: [catalog.directory]).first else { return nil }
        return DiskSpaceGuard.refusal(
            service: service.rawValue, filesystem: filesystem, estimateBytes: lastSuccess[service]?.size ?? 0,
            minFreePercent: config.backup.minFreePercent)
    }

    /// Replaces the service's data with a backup; returns what to tell the operator. The file
    /// is authenticated completely before anything changes; the previous data is kept aside.
    /// - Parameter remote: take the backup from the `[offsite]` store, streamed.
    func restore(_ service: ServiceID, backup: String, identity: IdentityInput, remote: Bool = false) async throws(BackupFailure) -> String {
        var selection = remote
            ? try await remoteSelection(service, backup: backup, identity: identity)
            : try select(service, backup: backup, identity: identity)
        selection.reporter = try claim(service, for: "restore")
        defer { release(service) }
        let now = clock()
        let metadata: Logger.Metadata = ["service": "\(service.rawValue)"]
        logger.notice("restore of \(service.rawValue) from \(selection.item.name.fileName) started", metadata: metadata)
        do {
            let outcome: String
            if let instance = service.postgresInstance {
                try await requireHealthy(service)
                let previous = try await PostgresRestorer(instance: instance, config: config, account: account)
                    .restore(selection, now: now)
                outcome = "\(service.rawValue) restored from \(selection.item.name.fileName); the previous database is kept as "
                    + "\(previous) (DROP DATABASE \(previous) when you no longer need it)"
            } else {
                let kept = try await RedisRestorer(config: config, account: account, password: redisPassword)
                    .restore(selection, supervisor: supervisor, now: now, timeout: .seconds(config.supervision.startTimeoutS))
                outcome = "redis restored from \(selection.item.name.fileName)"
                    + (kept.isEmpty ? "" : "; the previous data is kept as \(kept.joined(separator: ", ")) in \(config.layout.dataDir(of: .redis))")
            }
            logger.notice("\(outcome)", metadata: metadata)
            return outcome
        } catch let failure as BackupFailure {
            logger.error("restore of \(service.rawValue) failed: \(failure.reason)", metadata: metadata)
            throw failure
        } catch {
            logger.error("restore of \(service.rawValue) failed: \(error)", metadata: metadata)
            throw BackupFailure("\(error)")
        }
    }

    /// Restore drill: restores into a scratch copy, compares with the manifest, records the
    /// outcome in the manifest (`verified_at` on success, `verify_error` otherwise).
    /// - Parameter remote: drill a backup in the `[offsite]` store; the result goes beside it
    ///   there (`STEM.verified.json`) instead of into a local manifest.
    func verify(_ service: ServiceID, backup: String, identity: IdentityInput, remote: Bool = false) async throws(BackupFailure) -> BackupManifest {
        if let skipped = standbySkip(service) { throw BackupFailure(skipped) }
        var selection = remote
            ? try await remoteSelection(service, backup: backup, identity: identity)
            : try select(service, backup: backup, identity: identity)
        selection.reporter = try claim(service, for: "verify")
        defer { release(service) }
        let metadata: Logger.Metadata = ["service": "\(service.rawValue)"]
        var problems: [String]
        do {
            if let instance = service.postgresInstance {
                try await requireHealthy(service)
                problems = try await PostgresRestorer(instance: instance, config: config, account: account)
                    .drill(selection, now: clock())
            } else {
                let checker = FileSystem.findExecutable("redis-check-rdb") ?? "/usr/bin/redis-check-rdb"
                problems = try await RedisRestorer(config: config, account: account, password: redisPassword).drill(selection, checker: checker)
            }
        } catch {
            problems = ["\(error)"]
        }
        var manifest = selection.manifest
        if problems.isEmpty {
            manifest.verifiedAt = clock()
            manifest.verifyError = nil
            if !remote {
                lastVerified[service] = manifest.verifiedAt
                lastDrillFailure[service] = nil
            }
            logger.notice("restore drill of \(selection.item.name.fileName) passed", metadata: metadata)
        } else {
            manifest.verifyError = problems.joined(separator: "; ")
            manifest.verifyFailedAt = clock()
            if !remote { lastDrillFailure[service] = (manifest.verifyFailedAt!, manifest.verifyError!) }
            logger.error("restore drill of \(selection.item.name.fileName) failed: \(manifest.verifyError!)", metadata: metadata)
        }
        if remote {
            try await recordRemoteDrill(manifest, of: selection.item.name)
            return manifest
        }
        do {
            try catalog.writeManifest(manifest, of: selection.item.name)
        } catch {
            throw BackupFailure("the drill ran but its result could not be recorded: \(error)")
        }
        return manifest
    }

    private func select(_ service: ServiceID, backup: String, identity: IdentityInput) throws(BackupFailure) -> BackupSelection {
        guard sources[service] != nil else {
            throw BackupFailure("\(service.rawValue) has no backups (only enabled PostgreSQL instances and Redis do)")
        }
        return try BackupSelection(
            service: service, backup: backup, identity: identity, catalog: catalog, settings: config.backup,
            layout: config.layout)
    }

    /// Marks `service` busy and returns the reporter of the new operation; `release` ends it.
    /// PITR operations (`PITRCoordinator`) take the same claim: one operation per service.
    func claim(_ service: ServiceID, for operation: String) throws(BackupFailure) -> ProgressReporter {
        guard !running.contains(service) else {
            throw BackupFailure("a backup, restore or drill of \(service.rawValue) is already running")
        }
        running.insert(service)
        let reporter = ProgressReporter(service: service, operation: operation)
        reporters[service] = reporter
        return reporter
    }

    func release(_ service: ServiceID) {
        running.remove(service)
        reporters[service] = nil
    }

    /// The operations running now.
    func activity() -> [OperationStatus] {
        reporters.keys.sorted().compactMap { reporters[$0]?.status }
    }

    private func requireHealthy(_ service: ServiceID) async throws(BackupFailure) {
        if let status = await supervisor.serviceStatus(service), !status.healthy {
            throw BackupFailure("\(service.rawValue) is \(status.state.rawValue), not healthy: start it first")
        }
    }

    /// What the scheduler needs to decide about catch-up: when the last backup was attempted
    /// (any service, any outcome) and when a drill last passed.
    func history() -> (lastBackupStart: UTCTimestamp?, lastVerified: UTCTimestamp?) {
        let manifests = services.flatMap { catalog.items(of: $0).compactMap(\.manifest) }
        return (manifests.map(\.startedAt).max(), manifests.compactMap(\.verifiedAt).max())
    }

    /// Whether no service is backed up here (a standby none of whose services was promoted).
    var everyServiceSkipped: Bool { services.allSatisfy { standbySkip($0) != nil } }

    /// Why `service` is not backed up or drilled here: on a standby its data is the primary's,
    /// backed up there (and a drill needs a writable server). nil on a primary.
    func standbySkip(_ service: ServiceID) -> String? {
        config.replication.follows(service)
            ? "skipped on a standby ([replication] role = \"standby\"): backups and drills run on the primary" : nil
    }

    /// Each service's backup health for status.
    func statuses(now: UTCTimestamp = .now) -> [BackupStatus] {
        let expression = try? CronExpression(config.backup.schedule)
        let zone = BackupSchedule.zone(config.backup.timeZone)
        let offsiteStatuses = config.offsite.enabled ? offsite.statuses() : [:]
        return services.map { service in
            let success = lastSuccess[service]
            let failure = lastFailure[service]
            let created = success.flatMap { BackupName(fileName: $0.file, service: service)?.createdAt }
            let verified = lastVerified[service]
            let stale = config.backup.enabled && expression.map {
                BackupFreshness.isStale(newest: created, since: startedAt, expression: $0, in: zone, now: now)
            } ?? false
            var status = BackupStatus(
                service: service.rawValue, lastSuccessAt: success?.finishedAt, lastSuccessFile: success?.file,
                lastFailureAt: failure?.finishedAt, lastFailureReason: failure?.error,
                newestAgeSeconds: created.map { now.secondsSinceEpoch - $0.secondsSinceEpoch }, stale: stale,
                lastVerifiedAt: verified)
            status.lastDurationSeconds = success.map { $0.finishedAt.secondsSinceEpoch - $0.startedAt.secondsSinceEpoch }
            status.lastSizeBytes = success?.size
            status.lastDrillFailureAt = lastDrillFailure[service]?.at
            status.lastDrillError = lastDrillFailure[service]?.error
            if config.offsite.enabled { status.offsite = offsiteStatuses[service] ?? OffsiteStatus() }
            if let skipped = standbySkip(service) {
                status.skipped = skipped
                status.stale = false
            }
            return status
        }
    }

    /// The periods of the backup and drill schedules, per service, when scheduled backups are on.
    func schedulePeriods(now: UTCTimestamp = .now) -> (backup: [String: Int64], drill: [String: Int64]) {
        guard config.backup.enabled, !services.allSatisfy({ standbySkip($0) != nil }) else { return ([:], [:]) }
        let zone = BackupSchedule.zone(config.backup.timeZone)
        func periods(_ schedule: String) -> [String: Int64] {
            guard let expression = try? CronExpression(schedule),
                  let period = BackupFreshness.period(of: expression, after: now, in: zone)
            else { return [:] }
            return Dictionary(uniqueKeysWithValues: services.map { ($0.rawValue, period) })
        }
        return (periods(config.backup.schedule), periods(config.backup.verifySchedule))
    }

    /// Every backup of `service` (or of all services), oldest first.
    func list(_ service: ServiceID?) -> [BackupCatalog.Item] {
        (service.map { [$0] } ?? services).flatMap { catalog.items(of: $0) }
    }

    private func applyRetention(_ service: ServiceID) {
        let entries = catalog.items(of: service).map {
            BackupRetention.Entry(name: $0.name, status: $0.manifest?.status, verifiedAt: $0.manifest?.verifiedAt)
        }
        let now = clock()
        for entry in BackupRetention(config.backup).expired(entries, now: now) {
            logger.info("retention: removing \(entry.name.fileName)", metadata: ["service": "\(service.rawValue)"])
            catalog.remove(entry.name)
        }
    }

    private var redisPassword: @Sendable () throws -> String { Self.redisPassword(config) }

    /// Reads aegisd's own Redis password when it is needed, not at start: a reload may change it.
    private static func redisPassword(_ config: AegisConfig) -> @Sendable () throws -> String {
        let file = config.passwordFile(of: .redis)
        return { try SecretFile.readOrCreate(file) }
    }

    /// The daemon's sources: every enabled PostgreSQL instance's dump and Redis's snapshot.
    static func sources(config: AegisConfig, account: ServiceAccount) -> [ServiceID: any BackupSource] {
        var sources: [ServiceID: any BackupSource] = [:]
        for instance in PostgresInstance.allCases where config.isEnabled(instance.serviceID) {
            sources[instance.serviceID] = PostgresDumpSource(instance: instance, config: config, account: account)
        }
        if config.redis.enabled {
            sources[.redis] = RedisSnapshotSource(config: config, password: redisPassword(config))
        }
        return sources
    }
}
