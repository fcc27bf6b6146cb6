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
            family("aegis_pitr_base_backups", "Base backups pgBackRest lists for the instance, in all its repositories.",
                   { Double($0.backups.count) }),
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
        ] + repositories(statuses)
    }

    /// Each repository of each instance (`repo` label: 1 local, 2 object storage), so that a
    /// failing off-host repository shows even while the local one keeps everything working.
    static func repositories(_ statuses: [PITRStatus]) -> [MetricFamily] {
        func family(_ name: String, _ help: String, _ value: (PITRRepositoryStatus) -> Double?) -> MetricFamily {
            MetricFamily(
                name: name, help: help, kind: .gauge,
                samples: statuses.flatMap { status in
                    (status.repositories ?? []).compactMap { repository in
                        value(repository).map {
                            MetricSample([MetricLabel("service", status.service), MetricLabel("repo", String(repository.repo))], $0)
                        }
                    }
                })
        }
        return [
            family("aegis_pitr_repository_readable", "1 when pgBackRest could read the repository when last asked.",
                   { $0.readable ? 1 : 0 }),
            family("aegis_pitr_repository_base_backup_failing",
                   "1 when the last base backup into the repository failed (until one succeeds).", { $0.lastBackupError == nil ? 0 : 1 }),
            family("aegis_pitr_repository_base_backups", "Good base backups the repository holds.", { Double($0.backupCount) }),
            family("aegis_pitr_repository_last_base_backup_timestamp_seconds", "When the repository's newest good base backup ended.",
                   { $0.newestBackupAt.map(Double.init) }),
        ]
    }
}
