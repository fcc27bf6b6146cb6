/// What aegisd reads from one PostgreSQL instance for `/metrics`, with the SQL that reads it.
/// Counters are sums over the instance's databases since its statistics were last reset.
public struct PostgresFigures: Sendable, Equatable {
    /// The application database and its size.
    public var database: String
    public var databaseSizeBytes: Double
    /// Client sessions by `pg_stat_activity.state` (`active`, `idle`, `idle in transaction`, …),
    /// aegisd's own included (the collecting session, the health check's kept one).
    public var connectionsByState: [String: Double]
    public var maxConnections: Double
    public var commits: Double
    public var rollbacks: Double
    public var deadlocks: Double
    public var conflicts: Double
    public var tempBytes: Double
    /// `age(datfrozenxid)` of the oldest database: transactions towards wraparound.
    public var oldestXidAge: Double
    /// Age of the oldest open transaction of another session; 0 when there is none.
    public var longestTransactionSeconds: Double
    public var checkpointsTimed: Double
    public var checkpointsRequested: Double
    /// The current WAL position in bytes (`pg_current_wal_lsn() - '0/0'`): grows by the WAL written.
    public var walBytes: Double
    public var archivedCount: Double
    public var archiveFailedCount: Double
    /// When a WAL file was last archived; nil when none ever was.
    public var lastArchivedAt: Double?
    /// Standbys streaming from this instance (`pg_stat_replication`).
    public var replicas: Double

    /// One row, one column per field below, in `parse`'s order. Cheap catalog and statistics
    /// reads only: no table is scanned.
    public static let figuresSQL = """
        SELECT current_database(), pg_database_size(current_database()),
          current_setting('max_connections')::bigint,
          (SELECT coalesce(sum(xact_commit), 0) FROM pg_stat_database),
          (SELECT coalesce(sum(xact_rollback), 0) FROM pg_stat_database),
          (SELECT coalesce(sum(deadlocks), 0) FROM pg_stat_database),
          (SELECT coalesce(sum(conflicts), 0) FROM pg_stat_database),
          (SELECT coalesce(sum(temp_bytes), 0) FROM pg_stat_database),
          (SELECT coalesce(max(age(datfrozenxid)), 0) FROM pg_database),
          (SELECT coalesce(extract(epoch FROM max(clock_timestamp() - xact_start)), 0) FROM pg_stat_activity
             WHERE xact_start IS NOT NULL AND pid <> pg_backend_pid()),
          (SELECT checkpoints_timed FROM pg_stat_bgwriter), (SELECT checkpoints_req FROM pg_stat_bgwriter),
          pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0'),
          (SELECT archived_count FROM pg_stat_archiver), (SELECT failed_count FROM pg_stat_archiver),
          (SELECT extract(epoch FROM last_archived_time) FROM pg_stat_archiver),
          (SELECT count(*) FROM pg_stat_replication)
        """

    /// Client sessions by state, one row per state.
    public static let connectionsSQL = """
        SELECT coalesce(state, 'unknown'), count(*) FROM pg_stat_activity
        WHERE backend_type = 'client backend' GROUP BY 1 ORDER BY 1
        """

    public init(
        database: String, databaseSizeBytes: Double, connectionsByState: [String: Double], maxConnections: Double,
        commits: Double, rollbacks: Double, deadlocks: Double, conflicts: Double, tempBytes: Double, oldestXidAge: Double,
        longestTransactionSeconds: Double, checkpointsTimed: Double, checkpointsRequested: Double, walBytes: Double,
        archivedCount: Double, archiveFailedCount: Double, lastArchivedAt: Double?, replicas: Double
    ) {
        self.database = database
        self.databaseSizeBytes = databaseSizeBytes
        self.connectionsByState = connectionsByState
        self.maxConnections = maxConnections
        self.commits = commits
        self.rollbacks = rollbacks
        self.deadlocks = deadlocks
        self.conflicts = conflicts
        self.tempBytes = tempBytes
        self.oldestXidAge = oldestXidAge
        self.longestTransactionSeconds = longestTransactionSeconds
        self.checkpointsTimed = checkpointsTimed
        self.checkpointsRequested = checkpointsRequested
        self.walBytes = walBytes
        self.archivedCount = archivedCount
        self.archiveFailedCount = archiveFailedCount
        self.lastArchivedAt = lastArchivedAt
        self.replicas = replicas
    }

    /// The figures from the rows of `figuresSQL` and `connectionsSQL`; nil when a required
    /// column is missing or not a number.
    public static func parse(figures rows: [[String?]], connections: [[String?]]) -> PostgresFigures? {
        guard let row = rows.first, row.count >= 17, let database = row[0] else { return nil }
        var numbers: [Double] = []
        for index in 1..<17 where index != 15 {
            guard let text = row[index], let value = Double(text) else { return nil }
            numbers.append(value)
        }
        var byState: [String: Double] = [:]
        for connection in connections where connection.count >= 2 {
            if let state = connection[0], let count = connection[1].flatMap(Double.init) { byState[state] = count }
        }
        return PostgresFigures(
            database: database, databaseSizeBytes: numbers[0], connectionsByState: byState, maxConnections: numbers[1],
            commits: numbers[2], rollbacks: numbers[3], deadlocks: numbers[4], conflicts: numbers[5], tempBytes: numbers[6],
            oldestXidAge: numbers[7], longestTransactionSeconds: numbers[8], checkpointsTimed: numbers[9],
            checkpointsRequested: numbers[10], walBytes: numbers[11], archivedCount: numbers[12],
            archiveFailedCount: numbers[13], lastArchivedAt: row[15].flatMap(Double.init), replicas: numbers[14])
    }
}
