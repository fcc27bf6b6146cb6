/// `aegisctl migrate status`: one database's schema history as its database records it.
public struct MigrationStatus: Codable, Sendable, Equatable {
    public var service: String
    public var database: String
    /// Applied migrations, oldest first.
    public var applied: [AppliedMigration]
    /// Names of the migrations this aegisd would apply at the next start.
    public var pending: [String]
    /// Why the schema is refused or could not be read; nil when all is well.
    public var problem: String?

    public init(service: String, database: String, applied: [AppliedMigration], pending: [String], problem: String? = nil) {
        self.service = service
        self.database = database
        self.applied = applied
        self.pending = pending
        self.problem = problem
    }
}
