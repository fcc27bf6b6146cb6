import AegisCore
import AegisSystem

/// aegisd's own way into an instance's application database: the superuser over the Unix
/// socket (peer authentication), as the backups use. For migrate status, stats and maintenance.
struct PostgresAdmin: Sendable {
    let instance: PostgresInstance
    let database: String
    private let socketDir: String
    private let port: Int
    private let superuser: String

    init(instance: PostgresInstance, config: AegisConfig, account: ServiceAccount) {
        self.instance = instance
        database = config.postgres.instances[instance]!.database
        socketDir = config.layout.runDir(of: instance.serviceID)
        port = config.postgres.instances[instance]!.port
        superuser = account.name
    }

    var service: ServiceID { instance.serviceID }

    /// Runs `body` on a fresh connection, on a thread that may block.
    func run<T: Sendable>(
        _ application: String, timeout: Duration = .seconds(30), _ body: @escaping @Sendable (PostgresConnection) throws -> T
    ) async throws -> T {
        let parameters = [
            "host": socketDir, "port": String(port), "user": superuser, "dbname": database,
            "application_name": application,
        ]
        return try await runBlocking { try body(try PostgresConnection(parameters: parameters, timeout: timeout)) }
    }

    /// `aegisctl migrate status` for this database.
    func migrationStatus() async -> MigrationStatus {
        let migrations = MigrationCatalog.migrations(for: instance)
        var status = MigrationStatus(service: service.rawValue, database: database, applied: [], pending: [])
        do {
            let applied = try await run("aegisd-migrate-status") { connection in
                try SchemaMigrator(connection: connection, migrations: migrations).applied()
            }
            status.applied = applied
            do {
                status.pending = try MigrationPlan(available: migrations, applied: applied).pending.map(\.name)
            } catch {
                status.problem = "\(error)"
                let done = Set(applied.map(\.version))
                status.pending = migrations.filter { !done.contains($0.version) }.map(\.name)
            }
        } catch {
            status.problem = "cannot read the schema history: \(error)"
        }
        return status
    }
}
