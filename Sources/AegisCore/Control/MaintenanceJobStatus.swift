/// One maintenance job in `aegisctl maintenance list` and in status (`maintenance` array).
public struct MaintenanceJobStatus: Codable, Sendable, Equatable {
    /// `vacuum-postgres-backend`, `archive-postgres-ai`, `redis-bgsave`, …
    public var name: String
    public var service: String
    /// What it does, for people.
    public var description: String
    /// Its cron expression; empty when it only runs on demand.
    public var schedule: String
    public var lastRun: LastRun?
    /// Why it does not run on this host (a standby's databases are read-only copies).
    public var skipped: String?

    enum CodingKeys: String, CodingKey {
        case name, service, description, schedule, skipped
        case lastRun = "last_run"
    }

    public init(name: String, service: String, description: String, schedule: String, lastRun: LastRun? = nil) {
        self.name = name
        self.service = service
        self.description = description
        self.schedule = schedule
        self.lastRun = lastRun
    }

    /// The outcome of the job's last run.
    public struct LastRun: Codable, Sendable, Equatable {
        /// When it began (UTC, ISO 8601).
        public var startedAt: UTCTimestamp
        public var durationSeconds: Double
        public var ok: Bool
        /// What it did (`archived 3 rows`) or why it failed.
        public var message: String

        enum CodingKeys: String, CodingKey {
            case ok, message
            case startedAt = "started_at"
            case durationSeconds = "duration_s"
        }

        public init(startedAt: UTCTimestamp, durationSeconds: Double, ok: Bool, message: String) {
            self.startedAt = startedAt
            self.durationSeconds = durationSeconds
            self.ok = ok
            self.message = message
        }
    }
}
