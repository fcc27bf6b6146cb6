/// `[maintenance]`: the platform's routine maintenance as scheduled jobs (VACUUM ANALYZE per
/// database, archiving of old rows, Redis BGSAVE), on the same scheduler as the backups. An
/// empty schedule leaves that job to `aegisctl maintenance run`.
public struct MaintenanceSettings: Sendable, Equatable {
    public var enabled: Bool = true
    /// `VACUUM ANALYZE` of each database: weekly, Sunday 03:00.
    public var vacuumSchedule: String = "0 3 * * 0"
    /// Archiving of audit logs and predictions older than `archiveAfterDays`: daily 03:30.
    public var archiveSchedule: String = "30 3 * * *"
    /// 90 days, the platform's audit-log horizon.
    public var archiveAfterDays: Int = 90
    /// An extra RDB snapshot (`BGSAVE`) beside Redis's own `save` rules: every 6 hours.
    public var redisBgsaveSchedule: String = "0 */6 * * *"
    /// IANA time zone the schedules are read in, or "local".
    public var timeZone: String = "UTC"

    public init() {}
}
