/// Point-in-time recovery's figures (`[pitr]`), from the status's `pitr` entries. WAL archiving
/// counters themselves are PostgreSQL's (`aegis_postgres_archive_failures_total`).
extension MetricsMapping {
    static func pitr(_ statuses: [PITRStatus]) -> [MetricFamily] {
        func family(_ name: String, _ help: String, _ value: (PITRStatus) -> Double?) -> MetricFamily {
            MetricFamily(
                name: name, help: help, kind: .gauge,
                samples: statuses.compactMap { s in value(s).map { MetricSample([MetricLabel("service", s.service)], $0) } })
        }
        return [
            family("aegis_pitr_stanza_ready", "1 when the pgBackRest stanza exists and its last check passed.",
                   { $0.stanzaReady ? 1 : 0 }),
            family("aegis_pitr_base_backups", "Base backups in pgBackRest's repository 1.", { Double($0.backups.count) }),
            family("aegis_pitr_last_base_backup_timestamp_seconds", "When the newest good base backup ended.",
                   { $0.backups.last { !$0.error }.map { Double($0.stoppedAt) } }),
            family("aegis_pitr_recovery_window_start_timestamp_seconds", "The earliest time a restore can reach.",
                   { $0.windowStart.map(Double.init) }),
            family("aegis_pitr_recovery_window_end_timestamp_seconds", "The latest time a restore can reach (the newest archived WAL).",
                   { $0.windowEnd.map(Double.init) }),
            family("aegis_pitr_archive_lag_seconds",
                   "Seconds since the last WAL segment was archived while archiving fails; 0 while it keeps up.",
                   { $0.archiveLagSeconds.map(Double.init) }),
            family("aegis_pitr_pg_wal_bytes", "Bytes in pg_wal: WAL waits there while archiving fails.",
                   { $0.walBytes.map(Double.init) }),
        ]
    }
}
