import AegisCore
import AegisSystem

/// One reading of `pg_stat_archiver`: how WAL archiving is doing.
struct ArchiverFigures: Sendable, Equatable {
    var archivedCount: Int64
    var failedCount: Int64
    var lastArchivedWal: String?
    var lastArchivedAt: Int64?
    var lastFailedWal: String?
    var lastFailedAt: Int64?
    /// Bytes in `pg_wal`: what piles up while archiving fails.
    var walBytes: Int64?

    /// Seconds since the last success when a failure came after it (archiving is stuck behind
    /// that segment); 0 while it keeps up.
    func lagSeconds(now: Int64) -> Int64 {
        guard let failed = lastFailedAt, failed >= (lastArchivedAt ?? 0) else { return 0 }
        return max(0, now - (lastArchivedAt ?? failed))
    }

    static func read(_ admin: PostgresAdmin) async throws -> ArchiverFigures {
        try await admin.run("aegisd-pitr", timeout: .seconds(10)) { connection in
            let row = try connection.execute(
                """
                SELECT archived_count, failed_count, last_archived_wal,
                       extract(epoch FROM last_archived_time)::bigint, last_failed_wal,
                       extract(epoch FROM last_failed_time)::bigint,
                       (SELECT coalesce(sum(size), 0) FROM pg_ls_waldir())
                FROM pg_stat_archiver
                """, timeout: .seconds(10)).first ?? []
            func field(_ index: Int) -> String? { index < row.count ? row[index] : nil }
            return ArchiverFigures(
                archivedCount: field(0).flatMap { Int64($0) } ?? 0, failedCount: field(1).flatMap { Int64($0) } ?? 0,
                lastArchivedWal: field(2), lastArchivedAt: field(3).flatMap { Int64($0) },
                lastFailedWal: field(4), lastFailedAt: field(5).flatMap { Int64($0) }, walBytes: field(6).flatMap { Int64($0) })
        }
    }
}
