import AegisCore
import AegisSystem
import Foundation

/// Reads one service's PostgreSQL or Redis figures for `/metrics`: a short superuser session
/// over the Unix socket (two statistics queries), or `INFO` over Redis's socket, each under a
/// deadline. Called on aegisd's own schedule by `MetricsExporter`, never by a scrape.
struct DatabaseFiguresCollector: Sendable {
    let config: AegisConfig
    let account: ServiceAccount
    let timeout: Duration

    /// The new reading, or the previous one marked failed (nil for Loki, which has none).
    func collect(_ service: ServiceID, previous: DatabaseFigures?) async -> DatabaseFigures? {
        let started = ContinuousClock.now
        func elapsed() -> Double {
            let duration = ContinuousClock.now - started
            return Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        }
        do {
            var figures = DatabaseFigures(service: service.rawValue, attemptedAt: 0, durationSeconds: 0)
            switch service.kind {
            case .postgres: figures.postgres = try await postgres(service.postgresInstance!)
            case .redis: figures.redis = try await redis()
            case .loki: return nil
            }
            let now = Date().timeIntervalSince1970
            figures.attemptedAt = now
            figures.collectedAt = now
            figures.durationSeconds = elapsed()
            return figures
        } catch {
            let now = Date().timeIntervalSince1970
            let base = previous ?? DatabaseFigures(service: service.rawValue, attemptedAt: now, durationSeconds: 0)
            return base.failed("\(error)", at: now, durationSeconds: elapsed())
        }
    }

    private func postgres(_ instance: PostgresInstance) async throws -> PostgresFigures {
        let admin = PostgresAdmin(instance: instance, config: config, account: account)
        let timeout = self.timeout
        return try await admin.run("aegisd-metrics", timeout: timeout) { connection in
            let figures = try connection.execute(PostgresFigures.figuresSQL, timeout: timeout)
            let connections = try connection.execute(PostgresFigures.connectionsSQL, timeout: timeout)
            guard let parsed = PostgresFigures.parse(figures: figures, connections: connections) else {
                throw SystemError("unexpected answer to the statistics query: \(figures.first ?? [])")
            }
            return parsed
        }
    }

    private func redis() async throws -> RedisFigures {
        let socket = RedisConfigRenderer(config: config).socketPath
        let passwordFile = config.passwordFile(of: .redis)
        let timeout = self.timeout
        return try await runBlocking {
            let client = try RedisClient(unixPath: socket, timeout: timeout)
            try client.authenticate(user: RedisACL.adminUser, password: try SecretFile.readOrCreate(passwordFile))
            guard case .bulk(let text?) = try client.command(["INFO"]) else { throw SystemError("Redis INFO gave no answer") }
            guard let figures = RedisFigures.parse(info: text) else {
                throw SystemError("Redis INFO lacks fields /metrics needs (used_memory, rdb_last_bgsave_status, …)")
            }
            return figures
        }
    }
}
