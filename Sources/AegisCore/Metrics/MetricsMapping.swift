/// The status snapshot → metric families mapping behind `/metrics`. Pure: the same input gives
/// the same text, so every name, label and absence is pinned by table tests.
///
/// Conventions: base units in names (`_seconds`, `_bytes`), `_total` for counters,
/// `_timestamp_seconds` for instants, the service in a `service` label. A figure that does not
/// exist (a backup never taken, a process not running) is left out, never written as 0, which
/// would read as 1970 or as a real zero.
public enum MetricsMapping {
    public static func families(_ input: MetricsInput) -> [MetricFamily] {
        services(input.status) + serviceProcesses(input) + backups(input) + certificates(input.certificates) + logs(input.status.logs)
            + filesystems(input.status.filesystems ?? []) + databases(input.databases) + alerts(input) + process(input.process)
            + daemon(input) + pitr(input.status.pitr ?? []) + replication(input.status.services)
    }

    static func services(_ status: StatusReport) -> [MetricFamily] {
        let services = status.services
        func service(_ s: ServiceStatus) -> MetricLabel { MetricLabel("service", s.name) }
        return [
            MetricFamily(
                name: "aegis_service_up", help: "1 when the service's process is running (it has a pid).", kind: .gauge,
                samples: services.map { MetricSample([service($0)], $0.pid == nil ? 0 : 1) }),
            MetricFamily(
                name: "aegis_service_healthy", help: "1 when the service's last health check passed.", kind: .gauge,
                samples: services.map { MetricSample([service($0)], $0.healthy ? 1 : 0) }),
            MetricFamily(
                name: "aegis_service_state", help: "1 for the state the service is in, 0 for every other state.",
                kind: .gauge,
                samples: services.flatMap { s in
                    ServiceStateName.allCases.map {
                        MetricSample([service(s), MetricLabel("state", $0.rawValue)], s.state == $0 ? 1 : 0)
                    }
                }),
            MetricFamily(
                name: "aegis_service_restarts_total",
                help: "Restarts of the service after its process exited or hung, since aegisd started.", kind: .counter,
                samples: services.map { MetricSample([service($0)], Double($0.restarts)) }),
        ]
    }

    static func serviceProcesses(_ input: MetricsInput) -> [MetricFamily] {
        let names = input.status.services.map(\.name)
        return [
            MetricFamily(
                name: "aegis_service_start_time_seconds",
                help: "When the service's current process started; absent while it has none.", kind: .gauge,
                samples: names.compactMap { name in
                    input.serviceStartTimes[name].map { MetricSample([MetricLabel("service", name)], $0) }
                }),
            MetricFamily(
                name: "aegis_health_check_duration_seconds", help: "How long the service's liveness checks took.",
                kind: .histogram,
                samples: names.flatMap { name in
                    input.healthCheckDurations[name].map { histogram($0, [MetricLabel("service", name)]) } ?? []
                }),
        ]
    }

    /// A histogram's `_bucket` samples (cumulative, ending with `+Inf`), `_sum` and `_count`.
    static func histogram(_ histogram: DurationHistogram, _ labels: [MetricLabel]) -> [MetricSample] {
        let buckets = zip(histogram.bounds, histogram.cumulativeCounts).map { bound, count in
            MetricSample(labels + [MetricLabel("le", MetricsExposition.number(bound))], Double(count), suffix: "_bucket")
        }
        return buckets + [
            MetricSample(labels + [MetricLabel("le", "+Inf")], Double(histogram.count), suffix: "_bucket"),
            MetricSample(labels, histogram.sum, suffix: "_sum"),
            MetricSample(labels, Double(histogram.count), suffix: "_count"),
        ]
    }

    static func backups(_ input: MetricsInput) -> [MetricFamily] {
        let backups = input.status.backups ?? []
        func family(_ name: String, _ help: String, _ value: (BackupStatus) -> Double?) -> MetricFamily {
            MetricFamily(
                name: name, help: help, kind: .gauge,
                samples: backups.compactMap { b in value(b).map { MetricSample([MetricLabel("service", b.service)], $0) } })
        }
        return [
            family(
                "aegis_backup_last_success_timestamp_seconds", "When the service's last successful backup finished.",
                { $0.lastSuccessAt.map { Double($0.secondsSinceEpoch) } }),
            family(
                "aegis_backup_last_failure_timestamp_seconds", "When the service's last failed backup finished.",
                { $0.lastFailureAt.map { Double($0.secondsSinceEpoch) } }),
            family(
                "aegis_backup_drill_last_success_timestamp_seconds",
                "When a restore drill of the service's backups last passed.",
                { $0.lastVerifiedAt.map { Double($0.secondsSinceEpoch) } }),
            family(
                "aegis_backup_drill_last_failure_timestamp_seconds",
                "When the newest restore drill of the service's backups failed; absent once a later drill passed.",
                { $0.lastDrillFailureAt.map { Double($0.secondsSinceEpoch) } }),
            family(
                "aegis_backup_offsite_last_success_timestamp_seconds",
                "When the newest off-host copy of the service's backups was uploaded and checked.",
                { $0.offsite?.lastSuccessAt.map { Double($0.secondsSinceEpoch) } }),
            family(
                "aegis_backup_offsite_drill_last_success_timestamp_seconds",
                "When a restore drill where the key is (aegisctl verify --remote) last proved an off-host copy of the service restorable.",
                { $0.offsite?.lastVerifiedAt.map { Double($0.secondsSinceEpoch) } }),
            family(
                "aegis_backup_offsite_pending",
                "Complete backups of the service still waiting for their off-host upload.",
                { $0.offsite.map { Double($0.pending) } }),
            family(
                "aegis_backup_last_duration_seconds", "How long the service's last successful backup took.",
                { $0.lastDurationSeconds.map(Double.init) }),
            family(
                "aegis_backup_last_size_bytes", "Size of the service's last successful backup as stored.",
                { $0.lastSizeBytes.map(Double.init) }),
            family(
                "aegis_backup_stale",
                "1 when the newest backup is older than twice the schedule's period (or missing after the first scheduled run).",
                { $0.stale ? 1 : 0 }),
            family(
                "aegis_backup_schedule_period_seconds", "The period of the backup schedule.",
                { input.backupPeriodSeconds[$0.service].map(Double.init) }),
            family(
                "aegis_backup_drill_schedule_period_seconds", "The period of the restore-drill schedule.",
                { input.drillPeriodSeconds[$0.service].map(Double.init) }),
        ]
    }

    static func certificates(_ certificates: [CertificateStatus]) -> [MetricFamily] {
        [
            MetricFamily(
                name: "aegis_certificate_expiry_timestamp_seconds",
                help: "When the certificate expires (its notAfter); name is its role: ca, server:SERVICE, client:APP, metrics, replication-client (a standby's, from the primary's bundle).",
                kind: .gauge,
                samples: certificates.compactMap { c in
                    c.info.map { MetricSample([MetricLabel("name", c.role.description)], Double($0.notAfter.secondsSinceEpoch)) }
                })
        ]
    }

    static func logs(_ logs: LogsStatus?) -> [MetricFamily] {
        guard let logs else { return [] }
        func counter(_ name: String, _ help: String, _ value: Int?) -> MetricFamily {
            MetricFamily(name: name, help: help, kind: .counter, samples: value.map { [MetricSample([], Double($0))] } ?? [])
        }
        return [
            counter("aegis_log_lines_read_total", "Log entries read from children and sources.", logs.linesRead),
            counter("aegis_log_lines_shipped_total", "Log entries Loki acknowledged.", logs.linesShipped),
            MetricFamily(
                name: "aegis_log_lines_dropped_total",
                help: "Log entries that will never reach Loki, by reason: loki_refused, spool_full, queue_full.", kind: .counter,
                samples: logs.linesDroppedByReason.map { counts in
                    counts.sorted { $0.key < $1.key }.map { MetricSample([MetricLabel("reason", $0.key)], Double($0.value)) }
                } ?? [MetricSample([], Double(logs.linesDropped))]),
            counter("aegis_log_push_retries_total", "Pushes to Loki retried after a 429, a 5xx or a network error.", logs.retries),
            counter("aegis_log_journal_sent_total", "Log entries journald's socket took.", logs.journalSent),
            counter(
                "aegis_log_journal_dropped_total", "Log entries not sent to journald because it fell too far behind.",
                logs.journalDropped),
            counter(
                "aegis_log_output_dropped_bytes_total",
                "Bytes of children's output dropped before they became entries (line processing fell 64 MiB behind).",
                logs.outputDroppedBytes),
            MetricFamily(
                name: "aegis_log_spool_bytes", help: "Bytes of log batches waiting in the on-disk spool.", kind: .gauge,
                samples: [MetricSample([], Double(logs.spoolBytes))]),
            MetricFamily(
                name: "aegis_log_shipping", help: "1 when log entries are pushed to Loki ([logs] ship).", kind: .gauge,
                samples: [MetricSample([], logs.shipping ? 1 : 0)]),
        ]
    }

    static func filesystems(_ filesystems: [FilesystemFigures]) -> [MetricFamily] {
        [
            MetricFamily(
                name: "aegis_filesystem_avail_bytes",
                help: "Bytes available to unprivileged users on the filesystem holding path.", kind: .gauge,
                samples: filesystems.map { MetricSample([MetricLabel("path", $0.path)], $0.availableBytes) }),
            MetricFamily(
                name: "aegis_filesystem_size_bytes", help: "Total bytes of the filesystem holding path.", kind: .gauge,
                samples: filesystems.map { MetricSample([MetricLabel("path", $0.path)], $0.sizeBytes) }),
        ]
    }

    static func alerts(_ input: MetricsInput) -> [MetricFamily] {
        [
            MetricFamily(
                name: "aegis_alert_firing", help: "1 for each of aegisd's own alerts firing now (as in journald).", kind: .gauge,
                samples: input.firingAlerts.map {
                    MetricSample([MetricLabel("alert", $0.kind.rawValue), MetricLabel("subject", $0.subject)], 1)
                }),
            MetricFamily(
                name: "aegis_alert_notifications_total", help: "Alert notifications per [[alerts.notify]] target and outcome.",
                kind: .counter,
                samples: input.notifications.map {
                    MetricSample([MetricLabel("target", $0.target), MetricLabel("outcome", $0.outcome)], Double($0.count))
                }),
        ]
    }

    static func process(_ figures: ProcessFigures?) -> [MetricFamily] {
        guard let p = figures else { return [] }
        func gauge(_ name: String, _ help: String, _ value: Double) -> MetricFamily {
            MetricFamily(name: name, help: help, kind: .gauge, samples: [MetricSample([], value)])
        }
        return [
            MetricFamily(
                name: "process_cpu_seconds_total", help: "Total user and system CPU time spent in seconds.", kind: .counter,
                samples: [MetricSample([], p.cpuSeconds)]),
            gauge("process_resident_memory_bytes", "Resident memory size in bytes.", p.residentMemoryBytes),
            gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.", p.virtualMemoryBytes),
            gauge("process_open_fds", "Number of open file descriptors.", p.openFileDescriptors),
            gauge("process_max_fds", "Maximum number of open file descriptors.", p.maxFileDescriptors),
            gauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.", p.startTimeSeconds),
        ]
    }

    static func daemon(_ input: MetricsInput) -> [MetricFamily] {
        [
            MetricFamily(
                name: "aegis_build_info", help: "Always 1; the version label is aegisd's version.", kind: .info,
                samples: [MetricSample([MetricLabel("version", input.status.daemon.version)], 1)]),
            MetricFamily(
                name: "aegis_daemon_ready", help: "1 once every enabled service has been healthy (systemd READY=1 was sent).",
                kind: .gauge, samples: [MetricSample([], input.status.daemon.ready ? 1 : 0)]),
            MetricFamily(
                name: "aegis_metrics_collection_age_seconds",
                help: "Seconds since the status behind this scrape was collected (scrapes never wait for a collection).",
                kind: .gauge, samples: [MetricSample([], max(0, input.now - input.collectedAt))]),
        ]
    }
}
