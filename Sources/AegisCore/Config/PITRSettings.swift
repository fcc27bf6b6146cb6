/// `[pitr]`: point-in-time recovery of the PostgreSQL instances with pgBackRest: continuous WAL
/// archiving into repository 1 (`<state_dir>/pgbackrest`, encrypted) and base backups on the
/// shared scheduler. On by default for every enabled instance; `[postgres.<instance>] pitr =
/// false` turns it off for one. Repository 2 (`repo2_…`, optional) is S3-compatible object storage
/// off the host, with its own retention and cipher passphrase.
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

    /// Repository 2's S3 endpoint, `host` or `host:port` (always TLS); empty: no repository 2
    /// (`repo2_endpoint`).
    public var repo2Endpoint: String = ""
    /// The bucket (`repo2_bucket`), which must exist.
    public var repo2Bucket: String = ""
    /// The region the store signs requests for (`repo2_region`); stores without regions accept any.
    public var repo2Region: String = "us-east-1"
    /// Where in the bucket the repository lives (`repo2_path`): one per host when hosts share a bucket.
    public var repo2Path: String = "/aegis-pgbackrest"
    /// Files holding the access key id and the secret access key, each on one line, mode 0600
    /// (`repo2_key_file`, `repo2_secret_key_file`). aegisd copies them only into the 0600
    /// `pgbackrest.conf` pgBackRest reads.
    public var repo2KeyFile: String = ""
    public var repo2SecretKeyFile: String = ""
    /// The CA bundle that verifies the store's certificate (`repo2_ca_file`): empty means the
    /// system's CA store, `aegisd` aegisd's own CA (a store whose certificate it issued), else a path.
    public var repo2CAFile: String = ""
    /// `host` (bucket.endpoint, AWS) or `path` (endpoint/bucket: SeaweedFS, MinIO) (`repo2_uri_style`).
    public var repo2URIStyle: String = "host"
    /// Full base backups kept in repository 2 (`repo2_retention_full`).
    public var repo2RetentionFull: Int = 2
    /// Whether repository 2 is encrypted (aes-256-cbc) with its own generated passphrase in
    /// `secrets/pgbackrest-repo2.cipher` (`repo2_encrypted`). Without it the store can read the data.
    public var repo2Encrypted: Bool = true

    /// Whether repository 2 is configured.
    public var hasRepo2: Bool { !repo2Endpoint.isEmpty }
    /// The value `repo2_ca_file` takes for aegisd's own CA.
    public static let aegisdCA = "aegisd"

    public init() {}
}
