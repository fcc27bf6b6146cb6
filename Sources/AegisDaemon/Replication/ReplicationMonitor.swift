import AegisCore
import AegisSystem
import Synchronization

/// Reads each PostgreSQL instance's and Redis's replication for the status and `/metrics`: the
/// role the server itself reports and the figures of `ReplicationReading`. A reading is kept
/// for a second, so that status requests in a burst ask each server once; `/metrics` accepts
/// older ones (`MetricsExporter.replicationInterval`).
final class ReplicationMonitor: Sendable {
    let config: AegisConfig
    let account: ServiceAccount
    let seeding: SeedingProgress
    let promotions: Promotions
    private let cache = Mutex<[ServiceID: (at: ContinuousClock.Instant, reading: ReplicationReading)]>([:])
    /// Redis is read over one authenticated connection kept between readings (`/metrics`
    /// reads every 15 s); PostgreSQL over a new one each time, which a smart shutdown need not
    /// wait for (the supervisor lets go of kept connections before it signals a server, but it
    /// does not know this monitor's).
    private let redisConnection = KeptConnection<RedisClient>()
    static let timeout = Duration.seconds(1)
    static let freshness = Duration.seconds(1)

    let rejoined: RejoinedReplication

    init(config: AegisConfig, account: ServiceAccount, seeding: SeedingProgress, promotions: Promotions = Promotions(),
         rejoined: RejoinedReplication = RejoinedReplication()) {
        self.promotions = promotions
        self.rejoined = rejoined
        self.config = config
        self.account = account
        self.seeding = seeding
    }

    /// Adds role and replication to the PostgreSQL and Redis services of `report`, read from
    /// the running ones at once (so a hung server costs one timeout, not one per service), or
    /// kept from a reading less than `maxAge` old.
    func annotate(_ report: inout StatusReport, maxAge: Duration = freshness) async {
        let running = report.services.compactMap { status -> ServiceID? in
            // Healthy only: a hung server (SIGSTOP) would cost every status request a timeout.
            guard let service = ServiceID(rawValue: status.name), service != .loki, status.pid != nil, status.state == .running,
                  status.healthy, seeding.of(service) == nil
            else { return nil }
            return service
        }
        let readings = await withTaskGroup(of: (ServiceID, ReplicationReading).self) { group in
            for service in running { group.addTask { (service, await self.reading(service, maxAge: maxAge)) } }
            var all: [ServiceID: ReplicationReading] = [:]
            for await (service, reading) in group { all[service] = reading }
            return all
        }
        for index in report.services.indices {
            guard let service = ServiceID(rawValue: report.services[index].name), service != .loki else { continue }
            report.services[index].role = follows(service) ? "standby" : "primary"
            if let text = seeding.of(service) {
                report.services[index].replication = ReplicationStatus(seeding: text)
                continue
            }
            guard let reading = readings[service] else { continue }
            report.services[index].role = reading.role
            report.services[index].replicationLagBytes = reading.lagBytes
            report.services[index].replicationLagSeconds = reading.lagSeconds
            report.services[index].replication = reading.detail
        }
    }

    /// Whether `service` follows the primary now: configured so (or rejoined since), and not promoted since.
    func follows(_ service: ServiceID) -> Bool {
        (rejoined.current ?? config.replication).follows(service) && !promotions.contains(service)
    }

    /// The reading of `service`: one less than `maxAge` old, else a new one (`.zero`: always).
    func reading(_ service: ServiceID, maxAge: Duration = freshness) async -> ReplicationReading {
        let now = ContinuousClock.now
        if let cached = cache.withLock({ $0[service] }), now - cached.at < maxAge { return cached.reading }
        let fallback = follows(service) ? "standby" : "primary"
        var reading: ReplicationReading
        do {
            reading = service == .redis ? try await redis() : try await postgres(service.postgresInstance!)
        } catch {
            reading = ReplicationReading(role: fallback, detail: ReplicationStatus(error: "\(error)"))
        }
        cache.withLock { $0[service] = (now, reading) }
        return reading
    }

    private func postgres(_ instance: PostgresInstance) async throws -> ReplicationReading {
        let admin = PostgresAdmin(instance: instance, config: config, account: account)
        return try await admin.run("aegisd-replication", timeout: Self.timeout) { connection in
            let recovering = try connection.execute(ReplicationQueries.inRecovery, timeout: Self.timeout).first?.first ?? nil
            if recovering == "t" {
                let row = try connection.execute(ReplicationQueries.standby, timeout: Self.timeout).first ?? []
                return ReplicationReading.postgresStandby(row)
            }
            return ReplicationReading.postgresPrimary(
                standbys: try connection.execute(ReplicationQueries.standbys, timeout: Self.timeout),
                slots: try connection.execute(ReplicationQueries.slots, timeout: Self.timeout))
        }
    }

    private func redis() async throws -> ReplicationReading {
        let socket = RedisConfigRenderer(config: config).socketPath
        let passwordFile = config.passwordFile(of: .redis)
        let connection = redisConnection
        return try await runBlocking {
            try connection.use(socket: socket, timeout: Self.timeout, password: { try SecretFile.readOrCreate(passwordFile) }) { client in
                ReplicationReading.redis(try RedisSnapshotSource.info(client, "replication"))
            }
        }
    }
}
