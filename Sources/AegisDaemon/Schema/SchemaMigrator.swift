import AegisCore
import AegisSystem

/// Applies a database's pending migrations on a superuser connection to it: the core's
/// `MigrationPlan` decides, this carries it out, each migration and its record in one
/// transaction, so a failed migration leaves the database exactly as it was.
public struct SchemaMigrator {
    let connection: PostgresConnection
    let migrations: [Migration]
    static let timeout = Duration.seconds(600)

    public init(connection: PostgresConnection, migrations: [Migration]) {
        self.connection = connection
        self.migrations = migrations
    }

    /// Creates the bookkeeping table (owned by the schema owner) when missing.
    public func prepareTable() throws {
        try connection.execute(
            """
            CREATE TABLE IF NOT EXISTS \(MigrationCatalog.table) (
                version integer PRIMARY KEY,
                name text NOT NULL,
                checksum text NOT NULL,
                applied_at timestamp with time zone NOT NULL DEFAULT now()
            );
            ALTER TABLE \(MigrationCatalog.table) OWNER TO \(SchemaRoles.owner);
            """, timeout: Self.timeout)
    }

    /// What the database says was applied, oldest first; empty before the first migration.
    public func applied() throws -> [AppliedMigration] {
        let exists = try connection.execute(
            "SELECT to_regclass('public.\(MigrationCatalog.table)') IS NOT NULL", timeout: Self.timeout)
        guard exists.first?[0] == "t" else { return [] }
        return try connection.execute(
            """
            SELECT version, name, checksum, to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
            FROM \(MigrationCatalog.table) ORDER BY version
            """, timeout: Self.timeout
        ).map { row in
            AppliedMigration(
                version: Int(row[0] ?? "") ?? 0, name: row[1] ?? "", checksum: row[2] ?? "", appliedAt: row[3] ?? "")
        }
    }

    public func plan() throws -> MigrationPlan {
        try MigrationPlan(available: migrations, applied: try applied())
    }

    /// Applies what is pending; returns the names applied. Throws `MigrationProblem` for a
    /// refused plan or a failed migration (rolled back), anything else for a lost connection.
    @discardableResult
    public func migrate() throws -> [String] {
        try prepareTable()
        let plan = try plan()
        var done: [String] = []
        for migration in plan.pending {
            do {
                // The lock waits for nothing: a migration behind an app's long transaction fails
                // clearly and is retried at the next start instead of hanging the start.
                try connection.execute(
                    "BEGIN; SET LOCAL lock_timeout = '30s';\n\(migration.sql)\n;RESET ROLE;\n"
                        + "INSERT INTO \(MigrationCatalog.table) (version, name, checksum) VALUES ("
                        + "\(migration.version), \(try connection.quoteLiteral(migration.name)), "
                        + "\(try connection.quoteLiteral(migration.checksum))); COMMIT",
                    timeout: Self.timeout)
            } catch {
                // The server rejected the migration: refused until someone looks. The server
                // gone or silent (no ROLLBACK possible, a deadline): a plain error, retried at
                // the next health check, since the transaction died with the session anyway.
                let rolledBack = (try? connection.execute("ROLLBACK", timeout: .seconds(5))) != nil
                guard rolledBack, !error.isDeadline else { throw error }
                throw MigrationProblem.failed(name: migration.name, error: error.message)
            }
            done.append(migration.name)
        }
        return done
    }
}
