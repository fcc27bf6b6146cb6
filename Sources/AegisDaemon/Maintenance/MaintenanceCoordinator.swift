import AegisCore
import AegisSystem
import Logging

/// Carries out the maintenance jobs (`MaintenanceJob`, derived from `[maintenance]`) for the
/// scheduler and for `aegisctl maintenance run`, one run of a job at a time, and keeps each
/// job's last outcome for status. Outcomes live in memory: a restart of aegisd forgets them.
actor MaintenanceCoordinator {
    private(set) var config: AegisConfig
    let account: ServiceAccount
    let logger: Logger
    private var lastRuns: [String: MaintenanceJobStatus.LastRun] = [:]
    private var running: Set<String> = []

    init(config: AegisConfig, account: ServiceAccount, logger: Logger) {
        self.config = config
        self.account = account
        self.logger = logger
    }

    func update(config: AegisConfig) { self.config = config }

    var jobs: [MaintenanceJob] { MaintenanceJob.all(for: config) }

    func statuses() -> [MaintenanceJobStatus] {
        jobs.map(status)
    }

    private func status(_ job: MaintenanceJob) -> MaintenanceJobStatus {
        var status = MaintenanceJobStatus(
            name: job.name, service: job.service.rawValue, description: job.description, schedule: job.schedule,
            lastRun: lastRuns[job.name])
        status.skipped = standbySkip(job)
        return status
    }

    /// A standby's PostgreSQL instances are read-only copies: VACUUM and archiving run on the
    /// primary and arrive by replication. Redis's snapshot runs on both.
    func standbySkip(_ job: MaintenanceJob) -> String? {
        config.replication.follows(job.service) && job.service.kind == .postgres
            ? "skipped on a standby ([replication] role = \"standby\"): it runs on the primary and arrives by replication" : nil
    }

    /// Runs `name` now and returns its status with the outcome; throws only when it cannot be
    /// started (unknown, or already running). A failed run is an outcome, not a throw.
    func run(_ name: String) async throws(MaintenanceRefusal) -> MaintenanceJobStatus {
        guard let job = jobs.first(where: { $0.name == name }) else {
            throw MaintenanceRefusal(
                "no maintenance job named '\(name)'; jobs: \(jobs.map(\.name).joined(separator: ", "))")
        }
        guard !running.contains(name) else { throw MaintenanceRefusal("\(name) is already running") }
        if let skipped = standbySkip(job) { throw MaintenanceRefusal("\(name): \(skipped)") }
        running.insert(name)
        defer { running.remove(name) }
        let started = UTCTimestamp.now
        let clock = ContinuousClock.now
        let outcome: (ok: Bool, message: String)
        do {
            outcome = (true, try await perform(job.work))
        } catch {
            outcome = (false, "\(error)")
        }
        let elapsed = ContinuousClock.now - clock
        lastRuns[name] = MaintenanceJobStatus.LastRun(
            startedAt: started, durationSeconds: elapsed.seconds, ok: outcome.ok, message: outcome.message)
        let metadata: Logger.Metadata = ["service": "\(job.service.rawValue)", "job": "\(name)"]
        if outcome.ok {
            logger.info("maintenance \(name): \(outcome.message)", metadata: metadata)
        } else {
            logger.error("maintenance \(name) failed: \(outcome.message)", metadata: metadata)
        }
        return status(job)
    }

    /// Does the work; returns what was done, for people.
    private func perform(_ work: MaintenanceJob.Work) async throws -> String {
        switch work {
        case .vacuumAnalyze(let instance):
            let admin = PostgresAdmin(instance: instance, config: config, account: account)
            // VACUUM may run for hours on a big database; it holds no lock that blocks the apps.
            _ = try await admin.run("aegisd-maintenance") { try $0.execute("VACUUM ANALYZE", timeout: .seconds(6 * 3600)) }
            return "VACUUM ANALYZE of \(admin.database) done"
        case .archive(let instance, let days):
            let admin = PostgresAdmin(instance: instance, config: config, account: account)
            let function = MaintenanceJob.archiveFunction(instance)
            let rows = try await admin.run("aegisd-maintenance") {
                try $0.execute("SELECT \(function)(\(days))", timeout: .seconds(3600))
            }
            return "\(function)(\(days)) archived \(rows.first?[0] ?? "0") rows"
        case .redisSnapshot:
            let socket = RedisConfigRenderer(config: config).socketPath
            let passwordFile = config.passwordFile(of: .redis)
            return try await runBlocking {
                let client = try RedisClient(unixPath: socket, timeout: .seconds(10))
                try client.authenticate(user: RedisACL.adminUser, password: try SecretFile.readOrCreate(passwordFile))
                // SCHEDULE: when an AOF rewrite is running, Redis saves after it instead of refusing.
                switch try client.command(["BGSAVE", "SCHEDULE"]) {
                case .simple(let text): return "Redis: \(text)"
                case let other: throw MaintenanceRefusal("Redis BGSAVE: \(other)")
                }
            }
        }
    }
}

/// Why a maintenance job was not run at all.
struct MaintenanceRefusal: Error, CustomStringConvertible {
    let reason: String
    init(_ reason: String) { self.reason = reason }
    var description: String { reason }
}
