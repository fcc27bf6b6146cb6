/// `aegisctl stats`: sizes, connections, busiest tables and memory, per service, without psql.
/// Only the part of its kind is present (`postgres`, `redis` or `loki`); `error` says why a
/// service could not be asked.
public struct ServiceStats: Codable, Sendable, Equatable {
    public var service: String
    public var postgres: PostgresStats?
    public var redis: RedisStats?
    public var loki: LokiStats?
    public var error: String?

    public init(service: String, postgres: PostgresStats? = nil, redis: RedisStats? = nil, loki: LokiStats? = nil, error: String? = nil) {
        self.service = service
        self.postgres = postgres
        self.redis = redis
        self.loki = loki
        self.error = error
    }
}

public struct PostgresStats: Codable, Sendable, Equatable {
    public var database: String
    /// `pg_database_size` of the application database.
    public var sizeBytes: Int64
    /// Sessions of the instance (`pg_stat_activity`), aegisd's own included.
    public var connections: Int
    /// The busiest tables by rows inserted (`pg_stat_user_tables`), at most ten.
    public var tables: [TableActivity]

    enum CodingKeys: String, CodingKey {
        case database, connections, tables
        case sizeBytes = "size_bytes"
    }

    public init(database: String, sizeBytes: Int64, connections: Int, tables: [TableActivity]) {
        self.database = database
        self.sizeBytes = sizeBytes
        self.connections = connections
        self.tables = tables
    }
}

/// One row of `pg_stat_user_tables`.
public struct TableActivity: Codable, Sendable, Equatable {
    public var schema: String
    public var table: String
    public var inserted: Int64
    public var updated: Int64
    public var deleted: Int64
    /// Estimated live rows.
    public var liveRows: Int64

    enum CodingKeys: String, CodingKey {
        case schema, table, inserted, updated, deleted
        case liveRows = "live_rows"
    }

    public init(schema: String, table: String, inserted: Int64, updated: Int64, deleted: Int64, liveRows: Int64) {
        self.schema = schema
        self.table = table
        self.inserted = inserted
        self.updated = updated
        self.deleted = deleted
        self.liveRows = liveRows
    }
}

public struct RedisStats: Codable, Sendable, Equatable {
    /// `INFO memory` used_memory.
    public var usedMemoryBytes: Int64
    /// `DBSIZE` of database 0.
    public var keys: Int64
    /// `INFO clients` connected_clients, aegisd's own connection included.
    public var clients: Int

    enum CodingKeys: String, CodingKey {
        case keys, clients
        case usedMemoryBytes = "used_memory_bytes"
    }

    public init(usedMemoryBytes: Int64, keys: Int64, clients: Int) {
        self.usedMemoryBytes = usedMemoryBytes
        self.keys = keys
        self.clients = clients
    }
}

public struct LokiStats: Codable, Sendable, Equatable {
    /// `GET /ready` answered 200.
    public var ready: Bool
    /// What `/ready` said (or why it could not be asked).
    public var detail: String

    public init(ready: Bool, detail: String) {
        self.ready = ready
        self.detail = detail
    }
}
