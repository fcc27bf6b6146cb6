import AegisCore
import AegisSystem
import Glibc
import Synchronization

/// Restores a PostgreSQL backup without ever risking the live database: the dump is loaded by
/// `psql --single-transaction` into a new database, and only a complete load is swapped in by
/// two renames in one transaction. The previous database stays as `<db>_pre_restore_<time>`
/// until the operator drops it. A restore drill loads into a scratch database the same way,
/// compares its row counts with the manifest, and drops it.
struct PostgresRestorer: Sendable {
    let source: PostgresDumpSource

    init(instance: PostgresInstance, config: AegisConfig, account: ServiceAccount) {
        source = PostgresDumpSource(instance: instance, config: config, account: account)
    }

    /// Restores and swaps in; returns the name the previous database is kept under.
    func restore(_ selection: BackupSelection, now: UTCTimestamp) async throws -> String {
        try await selection.authenticate()
        let stamp = now.fileStamp
        let fresh = "\(source.database)_restore_\(stamp)"
        let previous = "\(source.database)_pre_restore_\(stamp)"
        try await load(selection, into: fresh)
        do {
            try await admin { connection in try Self.swap(connection, live: source.database, fresh: fresh, previous: previous) }
        } catch {
            try? await admin { try $0.execute("DROP DATABASE IF EXISTS \(try $0.quoteIdentifier(fresh))", timeout: .seconds(60)) }
            throw error
        }
        return previous
    }

    /// Loads into a scratch database, counts its rows, drops it; returns the differences from
    /// the manifest (empty: verified).
    func drill(_ selection: BackupSelection, now: UTCTimestamp) async throws -> [String] {
        try await selection.authenticate()
        let scratch = "\(source.database)_verify_\(now.fileStamp)"
        try await load(selection, into: scratch)
        let parameters = source.connectionParameters(database: scratch, application: "aegisd-verify")
        let counts: [String: Int64]
        do {
            counts = try await runBlocking {
                try RowCounter.count(try PostgresConnection(parameters: parameters, timeout: .seconds(30)))
            }
        } catch {
            try? await dropDatabase(scratch)
            throw error
        }
        try await dropDatabase(scratch)
        // Every table whose rows the dump carried must come back with exactly that many. A table
        // the manifest does not name had no data in the dump (an extension's own table, made
        // again by CREATE EXTENSION), so there is nothing to compare it with.
        let expected = selection.manifest.rowCounts
        return expected.keys.sorted().compactMap { table in
            expected[table] == counts[table] ? nil
                : "\(table): \(counts[table].map(String.init) ?? "missing") rows, manifest says \(expected[table]!)"
        }
    }

    /// CREATE DATABASE, then the dump through psql in one transaction; a failed load drops the
    /// half-made database and reports psql's own words.
    private func load(_ selection: BackupSelection, into database: String) async throws {
        try await admin { connection in
            try connection.execute(
                "CREATE DATABASE \(try connection.quoteIdentifier(database)) OWNER \(SchemaRoles.owner) TEMPLATE template0",
                timeout: .seconds(120))
        }
        do {
            let pipe = try ChildProcess.makePipe()
            let stderr = Mutex<[String]>([])
            let spec = LaunchSpec(
                executable: "\(source.binDir)/psql",
                arguments: [
                    "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", "--host", source.socketDir,
                    "--port", String(source.port), "--username", source.account.name, "--dbname", database,
                ],
                environment: LaunchSpec.baseEnvironment.merging(["PGAPPNAME": "aegisd-restore"]) { $1 },
                workingDirectory: "/", account: source.account)
            async let streamed: Void = selection.stream(into: pipe.write, what: "psql")
            let status = try await ChildProcess.run(
                spec, stdin: pipe.read,
                onLines: { kind, lines in if kind == .stderr { stderr.withLock { $0 += lines.prefix(max(0, 20 - $0.count)) } } },
                onSpawn: { _ in })
            let streamError: (any Error)?
            do { try await streamed; streamError = nil } catch { streamError = error }
            guard status == .exited(0) else {
                throw BackupFailure("psql \(status): " + stderr.withLock { $0 }.joined(separator: " | "))
            }
            if let streamError { throw streamError }
        } catch {
            try? await dropDatabase(database)
            throw error
        }
    }

    /// The swap: no new sessions on the live database, the existing ones ended, then both
    /// renames in one transaction, so every client sees the old database or the restored one.
    private static func swap(_ connection: PostgresConnection, live: String, fresh: String, previous: String) throws {
        let liveName = try connection.quoteIdentifier(live)
        let liveLiteral = try connection.quoteLiteral(live)
        try connection.execute("ALTER DATABASE \(liveName) WITH ALLOW_CONNECTIONS false", timeout: .seconds(30))
        do {
            for _ in 0..<100 {
                let left = try connection.execute(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = \(liveLiteral) AND pid <> pg_backend_pid()",
                    timeout: .seconds(30))
                if left.first?[0] == "0" { break }
                usleep(100_000)
            }
            try connection.execute(
                "BEGIN; ALTER DATABASE \(liveName) RENAME TO \(try connection.quoteIdentifier(previous)); "
                    + "ALTER DATABASE \(try connection.quoteIdentifier(fresh)) RENAME TO \(liveName); COMMIT",
                timeout: .seconds(60))
        } catch {
            _ = try? connection.execute("ROLLBACK", timeout: .seconds(5))
            _ = try? connection.execute("ALTER DATABASE \(liveName) WITH ALLOW_CONNECTIONS true", timeout: .seconds(30))
            throw error
        }
        // The kept copy stays reachable for inspection; the restored one accepts connections.
        try connection.execute(
            "ALTER DATABASE \(try connection.quoteIdentifier(previous)) WITH ALLOW_CONNECTIONS true", timeout: .seconds(30))
    }

    private func dropDatabase(_ name: String) async throws {
        try await admin { try $0.execute("DROP DATABASE IF EXISTS \(try $0.quoteIdentifier(name)) WITH (FORCE)", timeout: .seconds(120)) }
    }

    /// Runs `body` on a superuser connection to the `postgres` database.
    private func admin(_ body: @escaping @Sendable (PostgresConnection) throws -> Void) async throws {
        let parameters = source.connectionParameters(database: "postgres", application: "aegisd-restore")
        try await runBlocking { try body(try PostgresConnection(parameters: parameters, timeout: .seconds(30))) }
    }
}
