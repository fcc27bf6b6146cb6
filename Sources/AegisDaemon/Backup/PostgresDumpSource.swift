import AegisCore
import AegisSystem
import Synchronization

/// A consistent dump of one PostgreSQL database: aegisd opens a REPEATABLE READ transaction,
/// exports its snapshot, and `pg_dump --snapshot` dumps exactly that snapshot while aegisd
/// counts every table's rows in it. The row counts in the manifest therefore describe the dump
/// itself, which is what a restore drill compares against.
struct PostgresDumpSource: BackupSource {
    let service: ServiceID
    let binDir: String
    let socketDir: String
    let port: Int
    let database: String
    let account: ServiceAccount
    let lockWaitTimeoutS: Int

    init(instance: PostgresInstance, config: AegisConfig, account: ServiceAccount) {
        let settings = config.postgres.instances[instance]!
        service = instance.serviceID
        binDir = config.postgres.binDir
        socketDir = config.layout.runDir(of: instance.serviceID)
        port = settings.port
        database = settings.database
        self.account = account
        lockWaitTimeoutS = config.backup.lockWaitTimeoutS
    }

    /// Connection keywords for the superuser over the Unix socket (peer authentication).
    func connectionParameters(database: String, application: String) -> [String: String] {
        ["host": socketDir, "port": String(port), "user": account.name, "dbname": database,
         "application_name": application]
    }

    func stream(into sink: SinkHandoff) async throws -> BackupSourceFacts {
        let parameters = connectionParameters(database: database, application: "aegisd-backup")
        let lockTimeout = lockWaitTimeoutS
        let session = try await runBlocking { () throws -> SnapshotSession in
            try SnapshotSession(parameters: parameters, lockTimeoutSeconds: lockTimeout)
        }
        defer { session.close() }

        let pipe = try ChildProcess.makePipe()
        let stderr = Mutex<[String]>([])
        let spec = LaunchSpec(
            executable: "\(binDir)/pg_dump",
            arguments: [
                "--host", socketDir, "--port", String(port), "--username", account.name, "--dbname", database,
                "--snapshot", session.snapshot, "--no-password", "--lock-wait-timeout", "\(lockWaitTimeoutS)s",
            ],
            environment: LaunchSpec.baseEnvironment.merging(["PGAPPNAME": "aegisd-backup"]) { $1 },
            workingDirectory: "/", account: account)

        async let counts = runBlocking { try session.countRows() }
        async let pumped = runBlocking {
            try DescriptorPump.copy(from: pipe.read, closing: true, into: sink.sink, what: "pg_dump's output")
        }
        let status = try await ChildProcess.run(
            spec, rawStdout: pipe.write,
            onLine: { _, line in stderr.withLock { if $0.count < 20 { $0.append(line) } } },
            onSpawn: { _ in })
        // The pump's error (a full disk) explains a pg_dump killed by EPIPE better than its status.
        _ = try await pumped
        guard status == .exited(0) else {
            let said = stderr.withLock { $0 }.joined(separator: " | ")
            throw BackupFailure("pg_dump \(status)" + (said.isEmpty ? "" : ": \(said)"))
        }
        return BackupSourceFacts(database: database, serverVersion: session.serverVersion, rowCounts: try await counts)
    }
}

/// The exporting transaction behind a dump. It must stay open until pg_dump has finished
/// (pg_dump imports the snapshot at its start, but closing early is a race for nothing).
final class SnapshotSession: @unchecked Sendable {
    // One thread at a time: opened, then counting, then closed, each awaited in turn.
    private let connection: PostgresConnection
    let snapshot: String
    let serverVersion: String
    private let lock = Mutex(())

    init(parameters: [String: String], lockTimeoutSeconds: Int) throws {
        connection = try PostgresConnection(parameters: parameters, timeout: .seconds(30))
        // The counts wait for locks no longer than pg_dump does.
        try connection.execute(
            "SET lock_timeout = '\(lockTimeoutSeconds)s'; BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY",
            timeout: .seconds(30))
        let row = try connection.execute(
            "SELECT pg_export_snapshot(), current_setting('server_version')", timeout: .seconds(30)).first
        guard let snapshot = row?[0], let version = row?[1] else {
            throw BackupFailure("PostgreSQL returned no snapshot to dump")
        }
        self.snapshot = snapshot
        self.serverVersion = version
    }

    /// Exact row counts of every ordinary table outside the system schemas, in the snapshot.
    func countRows() throws -> [String: Int64] {
        try lock.withLock { _ in try RowCounter.count(connection) }
    }

    func close() {
        lock.withLock { _ in _ = try? connection.execute("ROLLBACK", timeout: .seconds(5)) }
    }
}

/// Exact row counts of every ordinary table outside the system schemas, as `schema.table`.
/// The same query serves the backup (in its snapshot) and the restore drill (in the copy).
enum RowCounter {
    static func count(_ connection: PostgresConnection) throws -> [String: Int64] {
        let tables = try connection.execute(
            """
            SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind = 'r' AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'
            ORDER BY 1, 2
            """, timeout: .seconds(60))
        var counts: [String: Int64] = [:]
        for table in tables {
            guard let schema = table[0], let name = table[1] else { continue }
            let qualified = "\(try connection.quoteIdentifier(schema)).\(try connection.quoteIdentifier(name))"
            let count = try connection.execute("SELECT count(*) FROM ONLY \(qualified)", timeout: .seconds(3600))
            counts["\(schema).\(name)"] = count.first?[0].flatMap { Int64($0) } ?? 0
        }
        return counts
    }
}
