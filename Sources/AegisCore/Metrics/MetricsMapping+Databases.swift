/// The PostgreSQL and Redis families: from the last collection of each service's figures.
extension MetricsMapping {
    static func databases(_ figures: [DatabaseFigures]) -> [MetricFamily] {
        collection(figures) + postgres(figures) + redis(figures)
    }

    static func collection(_ figures: [DatabaseFigures]) -> [MetricFamily] {
        func service(_ f: DatabaseFigures) -> [MetricLabel] { [MetricLabel("service", f.service)] }
        return [
            MetricFamily(
                name: "aegis_database_collection_success",
                help: "1 when aegisd's last reading of the service's database figures succeeded.", kind: .gauge,
                samples: figures.map { MetricSample(service($0), $0.error == nil ? 1 : 0) }),
            MetricFamily(
                name: "aegis_database_collection_timestamp_seconds",
                help: "When the database figures served for the service were read (the last successful reading).",
                kind: .gauge, samples: figures.compactMap { f in f.collectedAt.map { MetricSample(service(f), $0) } }),
            MetricFamily(
                name: "aegis_database_collection_duration_seconds",
                help: "How long aegisd's last reading of the service's database figures took.", kind: .gauge,
                samples: figures.map { MetricSample(service($0), $0.durationSeconds) }),
        ]
    }

    static func postgres(_ figures: [DatabaseFigures]) -> [MetricFamily] {
        let instances = figures.compactMap { f in f.postgres.map { (f.service, $0) } }
        func family(
            _ name: String, _ kind: MetricFamily.Kind, _ help: String, _ value: (PostgresFigures) -> Double?
        ) -> MetricFamily {
            MetricFamily(
                name: name, help: help, kind: kind,
                samples: instances.compactMap { service, p in value(p).map { MetricSample([MetricLabel("service", service)], $0) } })
        }
        return [
            MetricFamily(
                name: "aegis_postgres_database_size_bytes", help: "Size of the application database.", kind: .gauge,
                samples: instances.map { service, p in
                    MetricSample([MetricLabel("service", service), MetricLabel("database", p.database)], p.databaseSizeBytes)
                }),
            MetricFamily(
                name: "aegis_postgres_connections",
                help: "Client sessions by state (pg_stat_activity), aegisd's own included (its reading, its health check).", kind: .gauge,
                samples: instances.flatMap { service, p in
                    p.connectionsByState.sorted { $0.key < $1.key }.map {
                        MetricSample([MetricLabel("service", service), MetricLabel("state", $0.key)], $0.value)
                    }
                }),
            family("aegis_postgres_max_connections", .gauge, "The max_connections setting.", \.maxConnections),
            family("aegis_postgres_xact_commits_total", .counter, "Transactions committed, all databases.", \.commits),
            family("aegis_postgres_xact_rollbacks_total", .counter, "Transactions rolled back, all databases.", \.rollbacks),
            family("aegis_postgres_deadlocks_total", .counter, "Deadlocks detected, all databases.", \.deadlocks),
            family("aegis_postgres_conflicts_total", .counter, "Queries cancelled by recovery conflicts.", \.conflicts),
            family("aegis_postgres_temp_bytes_total", .counter, "Bytes written to temporary files by queries.", \.tempBytes),
            family(
                "aegis_postgres_oldest_xid_age", .gauge,
                "Transactions since the oldest database was frozen (age of datfrozenxid); wraparound is at 2^31.",
                \.oldestXidAge),
            family(
                "aegis_postgres_longest_transaction_seconds", .gauge,
                "Age of the oldest open transaction of another session; 0 when there is none.", \.longestTransactionSeconds),
            family("aegis_postgres_checkpoints_timed_total", .counter, "Checkpoints started by checkpoint_timeout.", \.checkpointsTimed),
            family("aegis_postgres_checkpoints_requested_total", .counter, "Checkpoints requested (WAL volume, commands).", \.checkpointsRequested),
            family("aegis_postgres_wal_bytes_total", .counter, "WAL written: the current WAL position in bytes.", \.walBytes),
            family("aegis_postgres_archived_total", .counter, "WAL files archived.", \.archivedCount),
            family("aegis_postgres_archive_failures_total", .counter, "Failed attempts to archive a WAL file.", \.archiveFailedCount),
            family(
                "aegis_postgres_last_archived_timestamp_seconds", .gauge, "When a WAL file was last archived.", \.lastArchivedAt),
            family("aegis_postgres_replicas", .gauge, "Standbys streaming from this instance.", \.replicas),
        ]
    }

    static func redis(_ figures: [DatabaseFigures]) -> [MetricFamily] {
        let servers = figures.compactMap { f in f.redis.map { (f.service, $0) } }
        func family(_ name: String, _ kind: MetricFamily.Kind, _ help: String, _ value: (RedisFigures) -> Double) -> MetricFamily {
            MetricFamily(
                name: name, help: help, kind: kind,
                samples: servers.map { service, r in MetricSample([MetricLabel("service", service)], value(r)) })
        }
        return [
            family("aegis_redis_memory_used_bytes", .gauge, "Memory Redis has allocated (used_memory).", \.usedMemoryBytes),
            family("aegis_redis_memory_max_bytes", .gauge, "The maxmemory setting; 0 means no limit.", \.maxMemoryBytes),
            family("aegis_redis_connected_clients", .gauge, "Client connections, aegisd's own included.", \.connectedClients),
            family("aegis_redis_blocked_clients", .gauge, "Clients waiting in a blocking call.", \.blockedClients),
            MetricFamily(
                name: "aegis_redis_keys", help: "Keys per database.", kind: .gauge,
                samples: servers.flatMap { service, r in
                    r.keysByDatabase.sorted { $0.key < $1.key }.map {
                        MetricSample([MetricLabel("service", service), MetricLabel("db", String($0.key))], $0.value)
                    }
                }),
            family("aegis_redis_expired_keys_total", .counter, "Keys removed because they expired.", \.expiredKeys),
            family("aegis_redis_evicted_keys_total", .counter, "Keys evicted because of maxmemory.", \.evictedKeys),
            family(
                "aegis_redis_rejected_connections_total", .counter, "Connections refused because of maxclients.",
                \.rejectedConnections),
            family("aegis_redis_commands_processed_total", .counter, "Commands processed.", \.commandsProcessed),
            family(
                "aegis_redis_rdb_last_save_timestamp_seconds", .gauge, "When the last RDB snapshot was saved.", \.rdbLastSaveAt),
            family(
                "aegis_redis_rdb_last_bgsave_success", .gauge, "1 when the last background RDB save succeeded.",
                { $0.rdbLastSaveSucceeded ? 1 : 0 }),
            family("aegis_redis_aof_enabled", .gauge, "1 when the append-only file is on.", { $0.aofEnabled ? 1 : 0 }),
            family(
                "aegis_redis_aof_last_write_success", .gauge, "1 when the last write to the append-only file succeeded.",
                { $0.aofLastWriteSucceeded ? 1 : 0 }),
        ]
    }
}
