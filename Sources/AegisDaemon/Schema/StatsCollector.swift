import AegisCore
import AegisSystem

/// `aegisctl stats`: the usual monitoring queries (sizes, connections, busiest tables), asked by aegisd itself. A service that
/// cannot be asked gets an `error` instead of numbers; the others are still reported.
struct StatsCollector: Sendable {
    let config: AegisConfig
    let account: ServiceAccount
    static let timeout = Duration.seconds(10)

    func collect(_ service: ServiceID) async -> ServiceStats {
        var stats = ServiceStats(service: service.rawValue)
        do {
            switch service.kind {
            case .postgres: stats.postgres = try await postgres(service.postgresInstance!)
            case .redis: stats.redis = try await redis()
            case .loki: stats.loki = await loki()
            }
        } catch {
            stats.error = "\(error)"
        }
        return stats
    }

    private func postgres(_ instance: PostgresInstance) async throws -> PostgresStats {
        let admin = PostgresAdmin(instance: instance, config: config, account: account)
        return try await admin.run("aegisd-stats", timeout: Self.timeout) { connection in
            let database = admin.database
            let head = try connection.execute(
                "SELECT pg_database_size(current_database()), (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')",
                timeout: Self.timeout)
            let tables = try connection.execute(
                """
                SELECT schemaname, relname, n_tup_ins, n_tup_upd, n_tup_del, n_live_tup FROM pg_stat_user_tables
                ORDER BY n_tup_ins + n_tup_upd + n_tup_del DESC, relname LIMIT 10
                """, timeout: Self.timeout)
            func number(_ text: String??) -> Int64 { (text ?? nil).flatMap { Int64($0) } ?? 0 }
            return PostgresStats(
                database: database, sizeBytes: number(head.first?[0]), connections: Int(number(head.first?[1])),
                tables: tables.map { row in
                    TableActivity(
                        schema: row[0] ?? "", table: row[1] ?? "", inserted: number(row[2]), updated: number(row[3]),
                        deleted: number(row[4]), liveRows: number(row[5]))
                })
        }
    }

    private func redis() async throws -> RedisStats {
        let socket = RedisConfigRenderer(config: config).socketPath
        let passwordFile = config.passwordFile(of: .redis)
        return try await runBlocking {
            let client = try RedisClient(unixPath: socket, timeout: Self.timeout)
            try client.authenticate(user: RedisACL.adminUser, password: try SecretFile.readOrCreate(passwordFile))
            let memory = try RedisSnapshotSource.info(client, "memory")
            let clients = try RedisSnapshotSource.info(client, "clients")
            guard case .integer(let keys) = try client.command(["DBSIZE"]) else {
                throw SystemError("Redis DBSIZE gave no number")
            }
            return RedisStats(
                usedMemoryBytes: Int64(memory["used_memory"] ?? "") ?? 0, keys: Int64(keys),
                clients: Int(clients["connected_clients"] ?? "") ?? 0)
        }
    }

    private func loki() async -> LokiStats {
        let port = config.loki.httpPort
        let tls = config.supervisedLokiTLS
        do {
            let (status, body) = try await runBlocking { try HTTPProbe.get(port: port, path: "/ready", timeout: Self.timeout, tls: tls) }
            let said = body.trimmingCharacters(in: .whitespacesAndNewlines)
            return LokiStats(ready: status == 200, detail: "HTTP \(status)" + (said.isEmpty ? "" : ": \(said.prefix(200))"))
        } catch {
            return LokiStats(ready: false, detail: "\(error)")
        }
    }
}
