/// `[pitr]`: point-in-time recovery of the PostgreSQL instances with pgBackRest: continuous WAL
/// archiving into repository 1 (`<state_dir>/pgbackrest`, encrypted) and base backups on the
/// shared scheduler. On by default for every enabled instance; `[postgres.<instance>] pitr =
/// false` turns it off for one. Keys of a later repository 2 are named `repo2_…` beside the
/// `repo1_…` ones, so each repository keeps its own retention.
public struct PITRSettings: Sendable, Equatable {
    public var enabled: Bool = true
    /// PostgreSQL's `archive_timeout`: a WAL segment is archived at least this often while there
    /// is activity, so at most this much committed work is lost with the data directory (the
    /// recovery point objective) (`archive_timeout_s`).
    public var archiveTimeoutS: Int = 60
    /// Full base backups: weekly, Sunday 01:00 (`full_schedule`); empty: on demand only.
    public var fullSchedule: String = "0 1 * * 0"
    /// Differential base backups: the other days at 01:00 (`diff_schedule`); empty: none.
    public var diffSchedule: String = "0 1 * * 1-6"
    /// The PITR drill: the newest base backup and its WAL restored into a scratch data
    /// directory and started there: weekly, Sunday 05:30 (`drill_schedule`); empty: on demand.
    public var drillSchedule: String = "30 5 * * 0"
    /// IANA time zone the schedules are read in, or "local" (`time_zone`).
    public var timeZone: String = "UTC"
    /// Full backups kept in repository 1; older ones go with the WAL only they needed
    /// (`repo1_retention_full`).
    public var repo1RetentionFull: Int = 2
    /// The bound of the asynchronous archiving spool, in pgBackRest's units (`archive_queue_max`,
    /// pgBackRest's `archive-push-queue-max`): when the repository cannot take WAL and this much
    /// piles up, pgBackRest drops it (the archive has a gap until the next full backup) rather
    /// than letting `pg_wal` fill the disk and stop the database.
    public var archiveQueueMax: String = "4GiB"

    public init() {}
}
