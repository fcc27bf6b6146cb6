/// Checks that a decoded configuration makes sense on its own, without looking at the machine
/// (that is `ConfigEnvironmentCheck` in AegisSystem). Returns every issue found.
public enum ConfigValidator {
    public static func validate(_ config: AegisConfig) -> [ConfigIssue] {
        var issues: [ConfigIssue] = []
        func check(_ path: String, _ problem: String?) {
            if let problem { issues.append(ConfigIssue(path: path, reason: problem)) }
        }

        let daemon = config.daemon
        check("aegisd.state_dir", ConfigRules.absolutePathProblem(daemon.stateDir))
        check("aegisd.socket", ConfigRules.absolutePathProblem(daemon.socket))
        check("aegisd.user", ConfigRules.accountNameProblem(daemon.user))
        check("aegisd.socket_group", ConfigRules.accountNameProblem(daemon.socketGroup))
        check("aegisd.log_level", ConfigRules.logLevels.contains(daemon.logLevel)
            ? nil : "\"\(daemon.logLevel)\" is not one of " + ConfigRules.logLevels.joined(separator: ", "))

        issues += supervisionIssues(config.supervision)

        check("postgres.bin_dir", ConfigRules.absolutePathProblem(config.postgres.binDir))
        for instance in PostgresInstance.allCases {
            guard let settings = config.postgres.instances[instance] else { continue }
            let path = "postgres.\(instance.rawValue)"
            check("\(path).port", ConfigRules.portProblem(settings.port))
            check("\(path).database", ConfigRules.identifierProblem(settings.database))
            check("\(path).user", ConfigRules.identifierProblem(settings.user))
            check("\(path).password_file", ConfigRules.absolutePathProblem(settings.passwordFile, allowEmpty: true))
            check("\(path).shared_buffers", ConfigRules.postgresMemoryProblem(settings.sharedBuffers))
            check("\(path).effective_cache_size", ConfigRules.postgresMemoryProblem(settings.effectiveCacheSize))
            check("\(path).work_mem", ConfigRules.postgresMemoryProblem(settings.workMem))
            // PostgreSQL's own bounds for max_connections.
            check("\(path).max_connections", (1...262_143).contains(settings.maxConnections)
                ? nil : "\(settings.maxConnections) is out of range (1–262143)")
        }

        let redis = config.redis
        check("redis.binary", ConfigRules.programProblem(redis.binary))
        check("redis.port", ConfigRules.portProblem(redis.port))
        check("redis.password_file", ConfigRules.absolutePathProblem(redis.passwordFile, allowEmpty: true))
        check("redis.maxmemory", ConfigRules.redisMemoryProblem(redis.maxmemory))
        check("redis.maxmemory_policy", ConfigRules.redisEvictionPolicies.contains(redis.maxmemoryPolicy)
            ? nil : "\"\(redis.maxmemoryPolicy)\" is not one of " + ConfigRules.redisEvictionPolicies.joined(separator: ", "))
        check("redis.save", ConfigRules.redisSaveProblem(redis.save))

        let loki = config.loki
        check("loki.binary", ConfigRules.programProblem(loki.binary))
        check("loki.http_port", ConfigRules.portProblem(loki.httpPort))
        check("loki.grpc_port", ConfigRules.portProblem(loki.grpcPort))
        check("loki.retention_days", loki.retentionDays >= 1 ? nil : "must be at least 1 day")
        if loki.tls, !config.tls.enabled {
            check("loki.tls", "needs [tls] enabled = true: Loki's certificate comes from aegisd's CA or tls.operator_dir")
        }

        check("metrics.port", ConfigRules.portProblem(config.metrics.port))
        if case .failure(let error) = MetricsEndpoint.of(config.metrics) { check("metrics.listen", error.description) }
        check("metrics.collect_interval_s", (0...3600).contains(config.metrics.collectIntervalS)
            ? nil : "\(config.metrics.collectIntervalS) is not in 0–3600 (seconds; 0 turns the readings off)")
        issues += metricsAccessIssues(config)

        issues += backupIssues(config.backup)
        issues += offsiteIssues(config.offsite)
        issues += maintenanceIssues(config.maintenance)
        issues += tlsIssues(config.tls)
        issues += logsIssues(config.logs)
        issues += clientAccessIssues(config)
        issues += alertsIssues(config.alerts)
        issues += pitrIssues(config.pitr)
        issues += replicationIssues(config)
        issues += portClashes(config)
        return issues
    }

    private static func pitrIssues(_ pitr: PITRSettings) -> [ConfigIssue] {
        var issues: [ConfigIssue] = []
        func check(_ key: String, _ problem: String?) {
            if let problem { issues.append(ConfigIssue(path: "pitr.\(key)", reason: problem)) }
        }
        for (key, text) in [
            ("full_schedule", pitr.fullSchedule), ("diff_schedule", pitr.diffSchedule), ("drill_schedule", pitr.drillSchedule),
        ] where !text.isEmpty {
            check(key, ConfigRules.cronProblem(text))
        }
        // PostgreSQL's own bounds (0 would turn the forced switch off, and with it the RPO).
        check("archive_timeout_s", (1...86_400).contains(pitr.archiveTimeoutS)
            ? nil : "\(pitr.archiveTimeoutS) is not in 1–86400 (seconds between forced WAL switches: the most committed work lost with the data directory)")
        check("repo1_retention_full", (1...9_999_999).contains(pitr.repo1RetentionFull)
            ? nil : "must be at least 1 full backup (found \(pitr.repo1RetentionFull))")
        check("archive_queue_max", ConfigRules.pgBackRestSizeProblem(pitr.archiveQueueMax))
        check("time_zone", pitr.timeZone.isEmpty ? "must not be empty (an IANA name such as UTC or Europe/Berlin, or \"local\")" : nil)
        if pitr.hasRepo2 {
            for issue in PgBackRestRepo2Rules.problems(pitr) { check(issue.key, issue.reason) }
        }
        return issues
    }

    private static func alertsIssues(_ alerts: AlertsSettings) -> [ConfigIssue] {
        var issues: [ConfigIssue] = []
        func check(_ key: String, _ problem: String?) {
            if let problem { issues.append(ConfigIssue(path: "alerts.\(key)", reason: problem)) }
        }
        check("repeat_interval_s", alerts.repeatIntervalS >= 0 ? nil : "must be 0 (never) or a number of seconds")
        for (index, target) in alerts.notify.enumerated() {
            let path = "notify[\(index)]"
            if target.command.isEmpty, target.url.isEmpty {
                check(path, "needs a command, a url, or both")
            }
            if let program = target.command.first, !program.hasPrefix("/") {
                check("\(path).command", "\"\(program)\" is not an absolute path (the command runs without a shell or PATH)")
            }
            if !target.url.isEmpty {
                do { _ = try WebhookEndpoint(url: target.url) } catch { check("\(path).url", error.description) }
            }
            check("\(path).ca_file", ConfigRules.absolutePathProblem(target.caFile, allowEmpty: true))
            check("\(path).timeout_s", (1...300).contains(target.timeoutS) ? nil : "\(target.timeoutS) is not in 1–300 seconds")
        }
        return issues
    }

    /// Listen addresses and client networks: readable, consistent, and never plaintext beyond
    /// loopback (pg_hba only ever gets `hostssl` lines for the client networks).
    private static func clientAccessIssues(_ config: AegisConfig) -> [ConfigIssue] {
        var issues: [ConfigIssue] = []
        func check(_ path: String, _ problem: String?) {
            if let problem { issues.append(ConfigIssue(path: path, reason: problem)) }
        }
        for listener in config.networkListeners {
            let addressKey = "\(listener.section).\(listener.addressKey)"
            if listener.addresses.isEmpty {
                check(addressKey, "must name at least one address (the default is [\"127.0.0.1\", \"::1\"], loopback only)")
            }
            for (index, address) in listener.addresses.enumerated() {
                check("\(addressKey)[\(index)]", ListenAddress.problem(address))
            }
            for (index, network) in listener.clientNetworks.enumerated() {
                do { _ = try IPNetwork(network) } catch { check("\(listener.section).client_networks[\(index)]", error.description) }
            }
            let exposed = !listener.exposedAddresses.isEmpty
            if !listener.clientNetworks.isEmpty, !exposed {
                check("\(listener.section).client_networks", "no client on another host can connect while \(addressKey) is loopback only "
                    + "(\(listener.addresses.joined(separator: ", "))); add this host's address on the clients' network to \(addressKey)")
            }
            if exposed, !config.tls.enabled {
                check(addressKey, "reaches beyond loopback (\(listener.exposedAddresses.joined(separator: ", "))) while [tls] enabled = false: "
                    + "clients on other hosts are only ever admitted over TLS; turn TLS on or listen on loopback only")
            }
            if exposed, listener.service == .redis, config.tls.enabled, config.tls.redisPlaintextPort != 0 {
                check("tls.redis_plaintext_port", "Redis would speak plaintext on port \(config.tls.redisPlaintextPort) at "
                    + "\(listener.exposedAddresses.joined(separator: ", ")) (redis.bind); set it to 0 or bind Redis to loopback only")
            }
        }
        return issues
    }

    private static func logsIssues(_ logs: LogsSettings) -> [ConfigIssue] {
        var issues: [ConfigIssue] = []
        func check(_ key: String, _ problem: String?) {
            if let problem { issues.append(ConfigIssue(path: "logs.\(key)", reason: problem)) }
        }
        if !logs.lokiURL.isEmpty {
            do { _ = try LokiEndpoint(url: logs.lokiURL) } catch { check("loki_url", error.description) }
        }
        check("loki_ca_file", ConfigRules.absolutePathProblem(logs.lokiCAFile, allowEmpty: true))
        if !logs.lokiCAFile.isEmpty, !logs.lokiURL.hasPrefix("https://") {
            check("loki_ca_file", "is only used for an https:// loki_url (the supervised Loki is verified against aegisd's CA); "
                + (logs.lokiURL.isEmpty ? "loki_url is empty" : "loki_url is \"\(logs.lokiURL)\""))
        }
        issues += lokiAuthIssues(logs)
        check("spool_max_mb", logs.spoolMaxMb >= 1 ? nil : "must be at least 1 MiB (found \(logs.spoolMaxMb))")
        check("batch_max_bytes", (1024...(64 << 20)).contains(logs.batchMaxBytes)
            ? nil : "\(logs.batchMaxBytes) is out of range (1024–67108864)")
        check("batch_max_wait_ms", (10...60_000).contains(logs.batchMaxWaitMs)
            ? nil : "\(logs.batchMaxWaitMs) is out of range (10–60000)")
        check("ring_lines", (0...1_000_000).contains(logs.ringLines) ? nil : "\(logs.ringLines) is out of range (0–1000000)")
        for (index, key) in logs.jsonLabels.enumerated() {
            check("json_labels[\(index)]", LokiLabelRules.keyProblem(key))
        }
        var jobs = Set<String>()
        for (index, source) in logs.sources.enumerated() {
            let path = "source[\(index)]"
            if source.job.isEmpty {
                check("\(path).job", "must not be empty (the job label, e.g. aegis-backend)")
            } else if !jobs.insert(source.job).inserted {
                check("\(path).job", "\"\(source.job)\" is used by another source")
            }
            if source.paths.isEmpty == source.unit.isEmpty {
                check(path, "needs either paths (file globs) or unit (a systemd unit), not both and not neither")
            }
            for (number, glob) in source.paths.enumerated() {
                check("\(path).paths[\(number)]", ConfigRules.absolutePathProblem(glob))
            }
            if !source.unit.isEmpty, source.unit.contains(where: { $0.isWhitespace || $0 == "/" }) {
                check("\(path).unit", "\"\(source.unit)\" is not a systemd unit name")
            }
        }
        return issues
    }

    /// The tenant and credentials of a remote Loki: only with a remote `loki_url` (the
    /// supervised Loki runs without authentication), basic auth or a bearer token but not both,
    /// values that fit in an HTTP header. Whether the files exist and are private is the
    /// environment check's job.
    private static func lokiAuthIssues(_ logs: LogsSettings) -> [ConfigIssue] {
        var issues: [ConfigIssue] = []
        func check(_ key: String, _ problem: String?) {
            if let problem { issues.append(ConfigIssue(path: "logs.\(key)", reason: problem)) }
        }
        let keys = [
            ("loki_tenant", logs.lokiTenant), ("loki_username", logs.lokiUsername),
            ("loki_password_file", logs.lokiPasswordFile), ("loki_bearer_token_file", logs.lokiBearerTokenFile),
        ]
        if logs.lokiURL.isEmpty {
            for (key, value) in keys where !value.isEmpty {
                check(key, "is only used with a remote loki_url (the supervised Loki runs without authentication); "
                    + "set loki_url to the remote Loki's push URL or remove \(key)")
            }
            return issues
        }
        if !logs.lokiTenant.isEmpty { check("loki_tenant", LokiCredentials.tenantProblem(logs.lokiTenant)) }
        if !logs.lokiUsername.isEmpty { check("loki_username", LokiCredentials.usernameProblem(logs.lokiUsername)) }
        check("loki_password_file", ConfigRules.absolutePathProblem(logs.lokiPasswordFile, allowEmpty: true))
        check("loki_bearer_token_file", ConfigRules.absolutePathProblem(logs.lokiBearerTokenFile, allowEmpty: true))
        if !logs.lokiUsername.isEmpty, logs.lokiPasswordFile.isEmpty {
            check("loki_password_file", "must be set with loki_username (the file holding the basic-auth password)")
        }
        if logs.lokiUsername.isEmpty, !logs.lokiPasswordFile.isEmpty {
            check("loki_username", "must be set with loki_password_file (the basic-auth user)")
        }
        if !logs.lokiBearerTokenFile.isEmpty, !(logs.lokiUsername.isEmpty && logs.lokiPasswordFile.isEmpty) {
            check("loki_bearer_token_file", "basic auth (loki_username, loki_password_file) and a bearer token "
                + "are mutually exclusive: keep the one your Loki or its proxy expects")
        }
        return issues
    }

    private static func tlsIssues(_ tls: TLSSettings) -> [ConfigIssue] {
        var issues: [ConfigIssue] = []
        func check(_ key: String, _ problem: String?) {
            if let problem { issues.append(ConfigIssue(path: "tls.\(key)", reason: problem)) }
        }
        check("leaf_validity_days", tls.policy.problem)
        check("postgres_client_cert", TLSSettings.postgresClientCertModes.contains(tls.postgresClientCert)
            ? nil : "\"\(tls.postgresClientCert)\" is not one of " + TLSSettings.postgresClientCertModes.joined(separator: ", "))
        check("redis_client_cert", TLSSettings.redisClientCertModes.contains(tls.redisClientCert)
            ? nil : "\"\(tls.redisClientCert)\" is not one of " + TLSSettings.redisClientCertModes.joined(separator: ", "))
        if tls.redisPlaintextPort != 0 { check("redis_plaintext_port", ConfigRules.portProblem(tls.redisPlaintextPort)) }
        for (index, name) in tls.extraNames.enumerated() where name.isEmpty || name.contains(" ") || name.contains(",") {
            check("extra_names[\(index)]", "\"\(name)\" is not a DNS name or IP address")
        }
        check("operator_dir", ConfigRules.absolutePathProblem(tls.operatorDir, allowEmpty: true))
        return issues
    }

    /// The schedules' syntax is checked here; whether the time zone exists and the passphrase
    /// file is readable is the environment check's job.
    private static func maintenanceIssues(_ maintenance: MaintenanceSettings) -> [ConfigIssue] {
        var issues: [ConfigIssue] = []
        func check(_ key: String, _ problem: String?) {
            if let problem { issues.append(ConfigIssue(path: "maintenance.\(key)", reason: problem)) }
        }
        for (key, text) in [
            ("vacuum_schedule", maintenance.vacuumSchedule), ("archive_schedule", maintenance.archiveSchedule),
            ("redis_bgsave_schedule", maintenance.redisBgsaveSchedule),
        ] where !text.isEmpty {
            check(key, ConfigRules.cronProblem(text))
        }
        check("archive_after_days", maintenance.archiveAfterDays >= 1
            ? nil : "must be at least 1 day (found \(maintenance.archiveAfterDays)): 0 would archive everything at once")
        check("time_zone", maintenance.timeZone.isEmpty ? "must not be empty (an IANA name such as UTC or Europe/Berlin, or \"local\")" : nil)
        return issues
    }

    private static func backupIssues(_ backup: BackupSettings) -> [ConfigIssue] {
        var issues: [ConfigIssue] = []
        func check(_ key: String, _ problem: String?) {
            if let problem { issues.append(ConfigIssue(path: "backup.\(key)", reason: problem)) }
        }
        // No recipient is not a configuration error: aegisd runs, and every backup fails closed
        // with the reason in status, never writing plaintext.
        if backup.encryptionMode == nil {
            check("encryption", "\"\(backup.encryption)\" is not one of "
                + BackupSettings.Encryption.allCases.map(\.rawValue).joined(separator: ", "))
        }
        for (index, recipient) in backup.recipients.enumerated() {
            check("recipients[\(index)]", ConfigRules.ageRecipientProblem(recipient))
        }
        for (key, text) in [("schedule", backup.schedule), ("verify_schedule", backup.verifySchedule)] {
            check(key, ConfigRules.cronProblem(text))
        }
        check("passphrase_file", ConfigRules.absolutePathProblem(backup.passphraseFile, allowEmpty: true))
        check("directory", ConfigRules.absolutePathProblem(backup.directory, allowEmpty: true))
        check("time_zone", backup.timeZone.isEmpty ? "must not be empty (an IANA name such as UTC or Europe/Berlin, or \"local\")" : nil)
        check("retention_days", backup.retentionDays >= 1 ? nil : "must be at least 1 day (found \(backup.retentionDays))")
        check("keep_at_least", backup.keepAtLeast >= 1 ? nil : "must be at least 1 (found \(backup.keepAtLeast)): the newest backup is never removed")
        check("lock_wait_timeout_s", backup.lockWaitTimeoutS >= 1 ? nil : "must be at least 1 second (found \(backup.lockWaitTimeoutS))")
        check("min_free_percent", (0...99).contains(backup.minFreePercent)
            ? nil : "\(backup.minFreePercent) is not in 0–99 (percent of the filesystem; 0 turns the check off)")
        check("compression_level", (1...9).contains(backup.compressionLevel)
            ? nil : "\(backup.compressionLevel) is out of range (1–9)")
        return issues
    }

    private static func supervisionIssues(_ settings: SupervisionSettings) -> [ConfigIssue] {
        let positive: [(String, Int)] = [
            ("health_interval_ms", settings.healthIntervalMs),
            ("health_timeout_ms", settings.healthTimeoutMs),
            ("failure_threshold", settings.failureThreshold),
            ("restart_initial_delay_ms", settings.restartInitialDelayMs),
            ("restart_max_delay_ms", settings.restartMaxDelayMs),
            ("restart_stable_after_s", settings.restartStableAfterS),
            ("restart_max_failures", settings.restartMaxFailures),
            ("restart_window_s", settings.restartWindowS),
            ("start_timeout_s", settings.startTimeoutS),
        ]
        var issues = positive.filter { $0.1 < 1 }.map {
            ConfigIssue(path: "supervision.\($0.0)", reason: "must be at least 1 (found \($0.1))")
        }
        if settings.restartInitialDelayMs > settings.restartMaxDelayMs {
            issues.append(ConfigIssue(
                path: "supervision.restart_initial_delay_ms",
                reason: "\(settings.restartInitialDelayMs) is greater than restart_max_delay_ms (\(settings.restartMaxDelayMs))"))
        }
        return issues
    }

    /// Every port an enabled service (or the metrics endpoint) listens on, with its key.
    public static func listeningPorts(_ config: AegisConfig) -> [(key: String, port: Int)] {
        var ports: [(key: String, port: Int)] = []
        for instance in PostgresInstance.allCases {
            guard let settings = config.postgres.instances[instance], settings.enabled else { continue }
            ports.append(("postgres.\(instance.rawValue).port", settings.port))
        }
        if config.redis.enabled { ports.append(("redis.port", config.redis.port)) }
        if config.redis.enabled, config.tls.enabled, config.tls.redisPlaintextPort != 0 {
            ports.append(("tls.redis_plaintext_port", config.tls.redisPlaintextPort))
        }
        if config.loki.enabled {
            ports.append(("loki.http_port", config.loki.httpPort))
            ports.append(("loki.grpc_port", config.loki.grpcPort))
        }
        if case .success(let endpoint) = MetricsEndpoint.of(config.metrics), endpoint.port != config.metrics.port {
            ports.append(("metrics.listen", endpoint.port))
        } else {
            ports.append(("metrics.port", config.metrics.port))
        }
        return ports
    }

    /// Two listeners on one port: the later key is the issue, and its reason names the earlier.
    private static func portClashes(_ config: AegisConfig) -> [ConfigIssue] {
        var firstUser: [Int: String] = [:]
        var issues: [ConfigIssue] = []
        for (key, port) in listeningPorts(config) {
            if let other = firstUser[port] {
                issues.append(ConfigIssue(path: key, reason: "port \(port) is also used by \(other)"))
            } else {
                firstUser[port] = key
            }
        }
        return issues
    }
}
