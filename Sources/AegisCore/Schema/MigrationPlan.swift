/// What to do to bring one database up to date: compare what it recorded as applied with the
/// migrations this aegisd carries. Pure; the daemon applies `pending` in order, each in its own
/// transaction, and refuses to touch a database whose plan has a `problem`.
public struct MigrationPlan: Sendable, Equatable {
    /// Not yet applied, in version order.
    public let pending: [Migration]
    /// Applied and unchanged.
    public let applied: [AppliedMigration]

    /// Builds the plan, or throws why the database must not be migrated.
    public init(available: [Migration], applied: [AppliedMigration]) throws(MigrationProblem) {
        let known = Dictionary(available.map { ($0.version, $0) }, uniquingKeysWith: { first, _ in first })
        precondition(known.count == available.count, "two migrations share a version")
        for record in applied.sorted(by: { $0.version < $1.version }) {
            guard let migration = known[record.version] else {
                throw .unknownApplied(version: record.version, name: record.name)
            }
            guard migration.checksum == record.checksum else {
                throw .edited(name: migration.name, appliedChecksum: record.checksum, currentChecksum: migration.checksum)
            }
        }
        let done = Set(applied.map(\.version))
        let pending = available.filter { !done.contains($0.version) }.sorted { $0.version < $1.version }
        // Forward only: a gap (version 3 applied, 2 not) means the history was tampered with or
        // two aegisd builds disagree; applying 2 after 3 could run DDL against a shape it never saw.
        if let first = pending.first, let highest = done.max(), first.version < highest {
            throw .outOfOrder(name: first.name, appliedVersion: highest)
        }
        self.pending = pending
        self.applied = applied.sorted { $0.version < $1.version }
    }

    public var isUpToDate: Bool { pending.isEmpty }
}

/// Why a database's schema is not migrated; the service does not start on it.
public enum MigrationProblem: Error, Sendable, Equatable, CustomStringConvertible {
    /// A migration's text changed after it was applied.
    case edited(name: String, appliedChecksum: String, currentChecksum: String)
    /// The database has a migration this aegisd does not carry (written by a newer aegisd?).
    case unknownApplied(version: Int, name: String)
    /// A migration older than the newest applied one is missing from the database.
    case outOfOrder(name: String, appliedVersion: Int)
    /// A migration failed when applied; its transaction was rolled back.
    case failed(name: String, error: String)

    public var description: String {
        switch self {
        case .edited(let name, let applied, let current):
            "migration \(name) was edited after it was applied (checksum when applied \(applied), "
                + "now \(current)); migrations are forward-only: restore its original text and add a new migration"
        case .unknownApplied(let version, let name):
            "the database has migration \(version) (\(name)) which this aegisd does not know; "
                + "it was migrated by a newer aegisd: run that version"
        case .outOfOrder(let name, let applied):
            "migration \(name) is not applied but a later one (version \(applied)) is; refusing to apply it out of order"
        case .failed(let name, let error):
            "migration \(name) failed and was rolled back: \(error)"
        }
    }
}
