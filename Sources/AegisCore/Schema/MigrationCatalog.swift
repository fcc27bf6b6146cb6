/// The migrations aegisd carries for each database, in version order.
public enum MigrationCatalog {
    public static func migrations(for instance: PostgresInstance) -> [Migration] {
        switch instance {
        case .backend: BackendMigrations.all
        case .ai: AIMigrations.all
        case .executor: ExecutorMigrations.all
        }
    }

    /// The table each database records its applied migrations in.
    public static let table = "aegis_schema_migrations"
}
