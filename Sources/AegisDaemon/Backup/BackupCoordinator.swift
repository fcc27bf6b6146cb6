import AegisCore
import AegisSystem
import Logging

/// Runs backups: at most one per service at a time, each through `BackupRunner`, then
/// retention. Remembers each service's last success and failure for status. Operator requests
/// and the scheduler both come through here.
actor BackupCoordinator {
    let config: AegisConfig
    let catalog: BackupCatalog
    let runner: BackupRunner
    let supervisor: Supervisor
    let logger: Logger
    private var running: Set<ServiceID> = []
    private(set) var lastSuccess: [ServiceID: BackupManifest] = [:]
    private(set) var lastFailure: [ServiceID: BackupManifest] = [:]

    init(config: AegisConfig, account: ServiceAccount, supervisor: Supervisor, logger: Logger) {
        self.config = config
        self.catalog = BackupCatalog(directory: config.backup.directory.isEmpty ? config.layout.backupsDir : config.backup.directory)
        self.runner = BackupRunner(settings: config.backup, catalog: catalog, layout: config.layout, logger: logger)
        self.supervisor = supervisor
        self.logger = logger
        self.sources = Self.sources(config: config, account: account)
    }

    private let sources: [ServiceID: any BackupSource]

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
        }
    }

    /// Backs up one service now. Throws when it cannot even begin (unknown, already running,
    /// not running); a backup that begins and fails returns its failed manifest.
    func backup(_ service: ServiceID) async throws(BackupFailure) -> BackupManifest {
        guard let source = sources[service] else {
            throw BackupFailure("\(service.rawValue) has no backups (only enabled PostgreSQL instances and Redis do)")
        }
        guard !running.contains(service) else {
            throw BackupFailure("a backup of \(service.rawValue) is already running")
        }
        if let status = await supervisor.serviceStatus(service), !status.healthy {
            throw BackupFailure("\(service.rawValue) is \(status.state.rawValue), not healthy: start it before backing it up")
        }
        running.insert(service)
        defer { running.remove(service) }
        let manifest = await runner.run(source)
        switch manifest.status {
        case .complete:
            lastSuccess[service] = manifest
            applyRetention(service)
        case .failed:
            lastFailure[service] = manifest
        }
        return manifest
    }

    /// Every backup of `service` (or of all services), oldest first.
    func list(_ service: ServiceID?) -> [BackupCatalog.Item] {
        (service.map { [$0] } ?? services).flatMap { catalog.items(of: $0) }
    }

    private func applyRetention(_ service: ServiceID) {
        let entries = catalog.items(of: service).map {
            BackupRetention.Entry(name: $0.name, status: $0.manifest?.status, verifiedAt: $0.manifest?.verifiedAt)
        }
        let now = UTCTimestamp.now
        for entry in BackupRetention(config.backup).expired(entries, now: now) {
            logger.info("retention: removing \(entry.name.fileName)", metadata: ["service": "\(service.rawValue)"])
            catalog.remove(entry.name)
        }
    }

    private static func sources(config: AegisConfig, account: ServiceAccount) -> [ServiceID: any BackupSource] {
        var sources: [ServiceID: any BackupSource] = [:]
        for instance in PostgresInstance.allCases where config.isEnabled(instance.serviceID) {
            sources[instance.serviceID] = PostgresDumpSource(instance: instance, config: config, account: account)
        }
        if config.redis.enabled {
            let file = config.redis.passwordFile.isEmpty ? config.layout.passwordFile(of: .redis) : config.redis.passwordFile
            sources[.redis] = RedisSnapshotSource(config: config) { try SecretFile.readOrCreate(file) }
        }
        return sources
    }
}
