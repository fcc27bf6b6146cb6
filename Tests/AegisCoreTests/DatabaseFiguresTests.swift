import AegisCore
import Testing

/// Parsing PostgreSQL's and Redis's answers, and the families made of them.
@Suite struct DatabaseFiguresTests {
    /// The shape of redis-server 7's INFO (sections trimmed to the fields that matter).
    static let info = """
        # Server\r
        redis_version:7.0.15\r
        # Clients\r
        connected_clients:3\r
        blocked_clients:1\r
        # Memory\r
        used_memory:1061032\r
        maxmemory:268435456\r
        # Persistence\r
        rdb_last_save_time:1764540000\r
        rdb_last_bgsave_status:err\r
        aof_enabled:1\r
        aof_last_write_status:ok\r
        # Stats\r
        total_commands_processed:120\r
        rejected_connections:2\r
        expired_keys:5\r
        evicted_keys:4\r
        # Keyspace\r
        db0:keys=10,expires=1,avg_ttl=0\r
        db3:keys=2,expires=0,avg_ttl=0\r

        """

    @Test func testRedisInfo_isParsed() throws {
        let figures = try #require(RedisFigures.parse(info: Self.info))
        #expect(figures == RedisFigures(
            usedMemoryBytes: 1_061_032, maxMemoryBytes: 268_435_456, connectedClients: 3, blockedClients: 1,
            keysByDatabase: [0: 10, 3: 2], expiredKeys: 5, evictedKeys: 4, rejectedConnections: 2, commandsProcessed: 120,
            rdbLastSaveAt: 1_764_540_000, rdbLastSaveSucceeded: false, aofEnabled: true, aofLastWriteSucceeded: true))
    }

    @Test func testRedisInfo_withoutANeededField_isNil() {
        #expect(RedisFigures.parse(info: Self.info.replacing("used_memory:", with: "used_memory_x:")) == nil)
        #expect(RedisFigures.parse(info: "") == nil)
    }

    static let row: [String?] = [
        "aegis_ai", "8000000", "100", "50", "2", "1", "0", "4096", "1234", "3.5", "7", "1", "16777216", "4", "0", nil, "0",
    ]

    @Test func testPostgresRows_areParsed() throws {
        let figures = try #require(PostgresFigures.parse(
            figures: [Self.row], connections: [["active", "2"], ["idle", "5"], ["idle in transaction", "1"]]))
        #expect(figures.database == "aegis_ai")
        #expect(figures.databaseSizeBytes == 8_000_000)
        #expect(figures.maxConnections == 100)
        #expect(figures.commits == 50 && figures.rollbacks == 2 && figures.deadlocks == 1 && figures.conflicts == 0)
        #expect(figures.tempBytes == 4096 && figures.oldestXidAge == 1234 && figures.longestTransactionSeconds == 3.5)
        #expect(figures.checkpointsTimed == 7 && figures.checkpointsRequested == 1 && figures.walBytes == 16_777_216)
        #expect(figures.archivedCount == 4 && figures.archiveFailedCount == 0 && figures.lastArchivedAt == nil)
        #expect(figures.replicas == 0)
        #expect(figures.connectionsByState == ["active": 2, "idle": 5, "idle in transaction": 1])
    }

    @Test func testPostgresRows_missingOrNotNumbers_areNil() {
        #expect(PostgresFigures.parse(figures: [], connections: []) == nil)
        #expect(PostgresFigures.parse(figures: [Array(Self.row.prefix(10))], connections: []) == nil)
        var bad = Self.row
        bad[3] = "many"
        #expect(PostgresFigures.parse(figures: [bad], connections: []) == nil)
    }

    @Test func testFamilies_fromTheLastReading_andAFailedReadingKeepsItsFigures() throws {
        let postgres = try #require(PostgresFigures.parse(figures: [Self.row], connections: [["active", "2"]]))
        let redis = try #require(RedisFigures.parse(info: Self.info))
        let good = DatabaseFigures(service: "postgres-ai", attemptedAt: 100, durationSeconds: 0.02, collectedAt: 100, postgres: postgres)
        let failed = DatabaseFigures(service: "redis", attemptedAt: 90, durationSeconds: 0.01, collectedAt: 90, redis: redis)
            .failed("connection refused", at: 130, durationSeconds: 5)
        var input = MetricsInput(status: MetricsMappingTests.report, collectedAt: 0, now: 0)
        input.databases = [good, failed]
        let families = MetricsMappingTests.families(input)
        func value(_ name: String, _ labels: [String: String]) -> Double? { MetricsMappingTests.value(families, name, labels) }
        #expect(value("aegis_postgres_database_size_bytes", ["service": "postgres-ai", "database": "aegis_ai"]) == 8_000_000)
        #expect(value("aegis_postgres_connections", ["service": "postgres-ai", "state": "active"]) == 2)
        #expect(value("aegis_postgres_max_connections", ["service": "postgres-ai"]) == 100)
        #expect(value("aegis_postgres_oldest_xid_age", ["service": "postgres-ai"]) == 1234)
        #expect(families["aegis_postgres_last_archived_timestamp_seconds"]!.samples.isEmpty)
        #expect(value("aegis_redis_keys", ["service": "redis", "db": "3"]) == 2)
        #expect(value("aegis_redis_rdb_last_bgsave_success", ["service": "redis"]) == 0)
        #expect(value("aegis_redis_memory_max_bytes", ["service": "redis"]) == 268_435_456)
        #expect(value("aegis_database_collection_success", ["service": "postgres-ai"]) == 1)
        #expect(value("aegis_database_collection_success", ["service": "redis"]) == 0)
        #expect(value("aegis_database_collection_timestamp_seconds", ["service": "redis"]) == 90)
        #expect(value("aegis_database_collection_duration_seconds", ["service": "redis"]) == 5)
        #expect(families["aegis_redis_memory_used_bytes"]!.samples.count == 1)
        #expect(families["aegis_postgres_xact_commits_total"]!.samples.count == 1)
    }
}
