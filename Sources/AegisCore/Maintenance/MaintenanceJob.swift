/// One routine maintenance job (VACUUM ANALYZE, archiving, BGSAVE), derived from the configuration:
/// what it does, to which service, and when. Pure; the daemon carries out `work`.
public struct MaintenanceJob: Sendable, Equatable {
    public enum Work: Sendable, Equatable {
        /// `VACUUM ANALYZE` of the instance's application database.
        case vacuumAnalyze(PostgresInstance)
        /// `SELECT <archive function>(days)`: rows older than `days` move to the archive tables.
        case archive(PostgresInstance, days: Int)
        /// `BGSAVE`: an RDB snapshot.
        case redisSnapshot
    }

    public let name: String
    public let service: ServiceID
    public let work: Work
    /// Cron expression; empty: on demand only.
    public let schedule: String

    /// Every job of the enabled services, in a stable order (vacuum, archive, Redis).
    public static func all(for config: AegisConfig) -> [MaintenanceJob] {
        let settings = config.maintenance
        let instances = PostgresInstance.allCases.filter { config.isEnabled($0.serviceID) }
        var jobs = instances.map { instance in
            MaintenanceJob(
                name: "vacuum-\(instance.serviceID.rawValue)", service: instance.serviceID,
                work: .vacuumAnalyze(instance), schedule: settings.vacuumSchedule)
        }
        jobs += instances.map { instance in
            MaintenanceJob(
                name: "archive-\(instance.serviceID.rawValue)", service: instance.serviceID,
                work: .archive(instance, days: settings.archiveAfterDays), schedule: settings.archiveSchedule)
        }
        if config.redis.enabled {
            jobs.append(MaintenanceJob(
                name: "redis-bgsave", service: .redis, work: .redisSnapshot, schedule: settings.redisBgsaveSchedule))
        }
        return jobs
    }

    /// The archive function of each database (created by its first migration).
    public static func archiveFunction(_ instance: PostgresInstance) -> String {
        switch instance {
        case .backend: "archive_old_policy_audit_logs"
        case .ai: "archive_old_predictions"
        case .executor: "archive_old_audit_logs"
        }
    }

    /// For people: `aegisctl maintenance list`.
    public var description: String {
        switch work {
        case .vacuumAnalyze(let instance): "VACUUM ANALYZE of the \(instance.rawValue) database"
        case .archive(let instance, let days): "\(Self.archiveFunction(instance))(\(days)): rows older than \(days) days to the archive tables"
        case .redisSnapshot: "BGSAVE: an RDB snapshot of Redis"
        }
    }
}
