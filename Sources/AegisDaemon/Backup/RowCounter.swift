import AegisSystem

/// Exact row counts of every ordinary table outside the system schemas, as `schema.table`, by
/// `count(*)`: what a restore drill compares with the counts the backup took from its dump
/// stream (`DumpRowCounter`).
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
