/// Every section and key of `aegisd.toml`, in the order `config init` writes them.
///
/// Computed (not stored) because key paths are not `Sendable`; the lists are tiny.
enum ConfigSchema {
    /// Top-level sections, in file order.
    static let sectionNames = ["aegisd", "supervision", "postgres", "redis", "loki", "metrics", "backup", "offsite", "maintenance", "tls", "logs", "alerts", "pitr", "replication"]

    static var daemon: [ConfigField<DaemonSettings>] {
        [
            .string("state_dir", \.stateDir, "Root of all state: data, backups, certs, secrets, run sockets, spool (absolute path)"),
            .string("socket", \.socket, "Control socket that aegisctl talks to (absolute path)"),
            .string("user", \.user, "Unprivileged account the services run as when aegisd runs as root"),
            .string("socket_group", \.socketGroup, "Members of this group may use the control socket"),
            .string("log_level", \.logLevel, "trace, debug, info, notice, warning, error or critical"),
        ]
    }

    static var supervision: [ConfigField<SupervisionSettings>] {
        [
            .integer("health_interval_ms", \.healthIntervalMs, "Time between two health checks of a service, in milliseconds"),
            .integer("health_timeout_ms", \.healthTimeoutMs, "How long one health check may take before it counts as failed, in milliseconds"),
            .integer("failure_threshold", \.failureThreshold, "Consecutive failed health checks after which a running service is restarted"),
            .integer("restart_initial_delay_ms", \.restartInitialDelayMs, "Delay before the first restart of a failed service; doubles on each failure"),
            .integer("restart_max_delay_ms", \.restartMaxDelayMs, "Upper bound of the restart delay, in milliseconds"),
            .integer("restart_stable_after_s", \.restartStableAfterS, "A service that stays up this many seconds has its restart delay reset"),
            .integer("restart_max_failures", \.restartMaxFailures, "This many failures within restart_window_s mark a service failed (no more restarts)"),
            .integer("restart_window_s", \.restartWindowS, "Window over which restart_max_failures is counted, in seconds"),
            .integer("start_timeout_s", \.startTimeoutS, "How long a starting service may take to become healthy, in seconds"),
        ]
    }

    static var postgres: [ConfigField<PostgresSettings>] {
        [.string("bin_dir", \.binDir, "Directory holding postgres, initdb, pg_ctl and pg_dump (absolute path)")]
    }

    static var postgresInstance: [ConfigField<PostgresInstanceSettings>] {
        [
            .bool("enabled", \.enabled, "Whether aegisd runs this instance"),
            .integer("port", \.port, "TCP port of this instance"),
            .string("database", \.database, "Application database, created on first start"),
            .string("user", \.user, "Application role that owns the database"),
            .string("password_file", \.passwordFile, "File holding the role's password; empty means <state_dir>/secrets/<service>.password"),
            .strings("listen_addresses", \.listenAddresses, "IP addresses PostgreSQL listens on, or \"*\" for all; add this host's address on the clients' network for clients on other hosts"),
            .strings("client_networks", \.clientNetworks, "Networks (CIDR, e.g. 10.20.0.0/16) whose clients may log in as user to database, over TLS with SCRAM only"),
            .string("shared_buffers", \.sharedBuffers, "PostgreSQL shared_buffers (units: kB, MB, GB, TB)"),
            .string("effective_cache_size", \.effectiveCacheSize, "PostgreSQL effective_cache_size (units: kB, MB, GB, TB)"),
            .integer("max_connections", \.maxConnections, "PostgreSQL max_connections"),
            .string("work_mem", \.workMem, "PostgreSQL work_mem (units: kB, MB, GB, TB)"),
            .bool("pitr", \.pitr, "Point-in-time recovery (WAL archiving, base backups) for this instance when [pitr] enabled"),
        ]
    }

    static var redis: [ConfigField<RedisSettings>] {
        [
            .bool("enabled", \.enabled, "Whether aegisd runs Redis"),
            .string("binary", \.binary, "redis-server, as an absolute path or a name looked up on PATH"),
            .integer("port", \.port, "TCP port of Redis"),
            .strings("bind", \.bind, "IP addresses Redis listens on, or \"*\" for all; add this host's address on the clients' network for clients on other hosts"),
            .strings("client_networks", \.clientNetworks, "Networks (CIDR) of Redis clients on other hosts, for the systemd unit's IPAddressAllow= (Redis has no per-network access list)"),
            .string("password_file", \.passwordFile, "File holding the password of aegisd's own Redis user; empty means <state_dir>/secrets/redis.password"),
            .string("maxmemory", \.maxmemory, "Memory limit in Redis's units (256mb, 1gb); \"0\" means no limit"),
            .string("maxmemory_policy", \.maxmemoryPolicy, "Eviction policy when maxmemory is reached, e.g. allkeys-lru or noeviction"),
            .string("save", \.save, "RDB snapshot rules as \"seconds changes\" pairs; \"\" disables snapshots"),
            .bool("appendonly", \.appendonly, "Whether Redis also keeps an append-only file (AOF)"),
        ]
    }

    static var loki: [ConfigField<LokiSettings>] {
        [
            .bool("enabled", \.enabled, "Whether aegisd runs Loki (when the binary is missing the service is unavailable)"),
            .string("binary", \.binary, "loki, as an absolute path or a name looked up on PATH"),
            .integer("http_port", \.httpPort, "Loki's HTTP port (push, query, /ready)"),
            .integer("grpc_port", \.grpcPort, "Loki's gRPC port"),
            .integer("retention_days", \.retentionDays, "Days Loki keeps log entries"),
            .bool("tls", \.tls, "HTTPS on Loki's HTTP port with a certificate from aegisd's CA (needs [tls] enabled); aegisd's probe and shipper verify it"),
        ]
    }

    static var backup: [ConfigField<BackupSettings>] {
        [
            .bool("enabled", \.enabled, "Whether aegisd takes scheduled backups"),
            .string("schedule", \.schedule, "When to back up every database and Redis: a 5-field cron expression or @daily-style macro"),
            .string("verify_schedule", \.verifySchedule, "When to run restore drills (restore the newest backup into a scratch database and compare row counts)"),
            .string("time_zone", \.timeZone, "IANA time zone the schedules are read in (e.g. Europe/Berlin), or \"local\" for the host's"),
            .string("encryption", \.encryption, "x25519 (age recipients; the host cannot read its own backups), passphrase (age scrypt) or none"),
            .strings("recipients", \.recipients, "age recipients (age1…) that can decrypt the backups, for encryption = \"x25519\""),
            .string("passphrase_file", \.passphraseFile, "File holding the passphrase for encryption = \"passphrase\": the passphrase alone on one line, mode 0600; empty means <state_dir>/secrets/backup.passphrase"),
            .integer("retention_days", \.retentionDays, "Backups older than this many days are removed"),
            .integer("keep_at_least", \.keepAtLeast, "Never keep fewer than this many successful backups per service, whatever their age"),
            .integer("compression_level", \.compressionLevel, "gzip compression level, 1 (fastest) to 9 (smallest)"),
            .string("directory", \.directory, "Where backups are written; empty means <state_dir>/backups"),
            .integer("lock_wait_timeout_s", \.lockWaitTimeoutS, "How long a backup waits for a table lock held by another session before it fails, in seconds"),
            .integer("min_free_percent", \.minFreePercent, "A backup that would leave less than this percentage of its filesystem free is refused (estimated from the last backup); 0 turns the check off"),
        ]
    }

    static var offsite: [ConfigField<OffsiteSettings>] {
        [
            .string("remote", \.remote, "rclone remote path the backups are copied to, e.g. \"store:aegis-backups/db1\"; empty means no off-host copies"),
            .string("rclone_config", \.rcloneConfig, "rclone configuration file holding the remote's credentials (absolute path, mode 0600; aegisd never prints it)"),
            .integer("retention_days", \.retentionDays, "Off-host copies older than this many days are removed (separate from backup.retention_days)"),
            .integer("keep_at_least", \.keepAtLeast, "Never keep fewer than this many complete off-host copies per service, whatever their age"),
            .string("bandwidth_limit", \.bandwidthLimit, "Upload bandwidth limit in rclone's --bwlimit form (e.g. 10M for 10 MiB/s); empty means none"),
            .integer("upload_timeout_s", \.uploadTimeoutS, "An rclone command (upload, listing, download start) running longer than this many seconds is killed; the upload is retried later"),
            .integer("retry_initial_s", \.retryInitialS, "Delay before the first retry of a failed upload, in seconds; it doubles on each further failure"),
            .integer("retry_max_s", \.retryMaxS, "Upper bound of the delay between two tries of a failed upload, in seconds"),
            .string("verify_schedule", \.verifySchedule, "On a verifier host holding the backup key (secrets/backup.agekey): when to drill the newest off-host backup of each service; empty means never"),
        ]
    }

    static var maintenance: [ConfigField<MaintenanceSettings>] {
        [
            .bool("enabled", \.enabled, "Whether aegisd runs the maintenance jobs on their schedules (aegisctl maintenance run works either way)"),
            .string("vacuum_schedule", \.vacuumSchedule, "When to VACUUM ANALYZE each database (cron); \"\" means only on demand"),
            .string("archive_schedule", \.archiveSchedule, "When to move old audit logs and predictions into their archive tables (cron); \"\" means only on demand"),
            .integer("archive_after_days", \.archiveAfterDays, "Rows older than this many days are archived"),
            .string("redis_bgsave_schedule", \.redisBgsaveSchedule, "When to make an extra Redis snapshot with BGSAVE (cron); \"\" means only on demand"),
            .string("time_zone", \.timeZone, "IANA time zone the maintenance schedules are read in, or \"local\" for the host's"),
        ]
    }

    static var tls: [ConfigField<TLSSettings>] {
        [
            .bool("enabled", \.enabled, "TLS for PostgreSQL and Redis over TCP (and Loki with [loki] tls), with certificates from aegisd's own CA"),
            .integer("leaf_validity_days", \.leafValidityDays, "Validity of the server and client certificates, in days"),
            .integer("renew_before_days", \.renewBeforeDays, "Certificates with fewer days left are re-issued and the servers reloaded without a restart"),
            .strings("extra_names", \.extraNames, "Extra DNS names or IP addresses for the server certificates (localhost, 127.0.0.1, ::1 and the host name are always in)"),
            .string("postgres_client_cert", \.postgresClientCert, "PostgreSQL client certificates: off, or verify-full (the certificate's CN must be the role) on top of SCRAM"),
            .string("redis_client_cert", \.redisClientCert, "Redis client certificates: no, optional or yes"),
            .integer("redis_plaintext_port", \.redisPlaintextPort, "A plaintext TCP port for Redis beside the TLS one; 0 means none"),
            .string("operator_dir", \.operatorDir, "CA-signed certificates to use instead of the built-in CA, laid out like its tree; empty means the built-in CA"),
        ]
    }

    static var logs: [ConfigField<LogsSettings>] {
        [
            .bool("ship", \.ship, "Whether entries are pushed to Loki (journald and aegisctl logs work regardless)"),
            .bool("journal", \.journal, "Whether children's entries are forwarded to journald (aegisd's own messages go there regardless)"),
            .string("loki_url", \.lokiURL, "Loki's push URL (http://ADDRESS:PORT/loki/api/v1/push or https://HOST:PORT/…); empty means the supervised Loki on loopback"),
            .string("loki_ca_file", \.lokiCAFile, "CA bundle (PEM) that verifies an https loki_url; empty means the system's CA store"),
            .string("loki_tenant", \.lokiTenant, "Tenant sent as X-Scope-OrgID to a remote multi-tenant loki_url; empty sends none"),
            .string("loki_username", \.lokiUsername, "User for HTTP basic auth to a remote loki_url (with loki_password_file)"),
            .string("loki_password_file", \.lokiPasswordFile, "File holding the basic-auth password (not readable by others, e.g. mode 0600)"),
            .string("loki_bearer_token_file", \.lokiBearerTokenFile, "File holding a bearer token for a remote loki_url, instead of basic auth (not readable by others)"),
            .integer("spool_max_mb", \.spoolMaxMb, "Bound of the on-disk spool of batches Loki has not taken yet, in MiB; beyond it the oldest are dropped and counted"),
            .integer("batch_max_bytes", \.batchMaxBytes, "A batch is pushed when its lines reach this many bytes"),
            .integer("batch_max_wait_ms", \.batchMaxWaitMs, "A batch is pushed when its oldest line has waited this many milliseconds"),
            .integer("ring_lines", \.ringLines, "Lines kept in memory per service for aegisctl logs"),
            .strings("json_labels", \.jsonLabels, "Keys of JSON log lines whose values become Loki labels"),
        ]
    }

    static var logSource: [ConfigField<LogSourceSettings>] {
        [
            .string("job", \.job, "The job label of this source's entries, e.g. aegis-backend"),
            .strings("paths", \.paths, "Globs of log files to follow (rotation by rename and by truncation is handled)"),
            .string("unit", \.unit, "A systemd unit whose journal entries to ship, e.g. aegis-backend.service"),
        ]
    }

    /// The keys of a `[[logs.source]]` table (none is rendered by default: there is no source).
    static var logSourceKeyPaths: [String] { logSource.map { "logs.source.\($0.key)" } }

    static var metrics: [ConfigField<MetricsSettings>] {
        [
            .integer("port", \.port, "Port of the Prometheus metrics endpoint (GET /metrics)"),
            .string("listen", \.listen, "ADDRESS[:PORT] the metrics endpoint listens on; empty means 127.0.0.1 on port"),
            .integer("collect_interval_s", \.collectIntervalS, "Seconds between readings of PostgreSQL and Redis figures for /metrics; 0 turns them off"),
            .string("bearer_token_file", \.bearerTokenFile, "File holding the token scrapers must send as Authorization: Bearer TOKEN; empty means no authentication"),
            .string("basic_auth_user", \.basicAuthUser, "User name scrapers must send with HTTP basic authentication; empty means none"),
            .string("basic_auth_password_file", \.basicAuthPasswordFile, "File holding the basic-authentication password (mode 0600)"),
            .strings("scraper_networks", \.scraperNetworks, "Networks (CIDR) of Prometheus servers on other hosts; config check prints the unit drop-in that lets them in"),
            .bool("tls", \.tls, "Serve /metrics over HTTPS (a certificate of aegisd's CA unless tls_cert_file and tls_key_file are set)"),
            .string("tls_cert_file", \.tlsCertFile, "PEM certificate (chain) of the endpoint; empty means one issued by aegisd's CA"),
            .string("tls_key_file", \.tlsKeyFile, "PEM private key of tls_cert_file, readable by aegisd only"),
        ]
    }

    static var pitr: [ConfigField<PITRSettings>] {
        [
            .bool("enabled", \.enabled, "Continuous WAL archiving and base backups with pgBackRest for every PostgreSQL instance (each can opt out with pitr = false)"),
            .integer("archive_timeout_s", \.archiveTimeoutS, "PostgreSQL archive_timeout: WAL is archived at least this often while there are writes (the recovery point objective), in seconds"),
            .string("full_schedule", \.fullSchedule, "When to take a full base backup of each instance: a 5-field cron expression; empty: on demand only"),
            .string("diff_schedule", \.diffSchedule, "When to take a differential base backup: a 5-field cron expression; empty: none"),
            .string("drill_schedule", \.drillSchedule, "When to restore the newest base backup and its WAL into a scratch data directory and check it answers: a cron expression; empty: on demand only"),
            .string("time_zone", \.timeZone, "IANA time zone the PITR schedules are read in, or \"local\" for the host's"),
            .integer("repo1_retention_full", \.repo1RetentionFull, "Full base backups kept in repository 1 (<state_dir>/pgbackrest), with the WAL they need"),
            .string("archive_queue_max", \.archiveQueueMax, "Bound of WAL waiting for an unreachable repository (pgBackRest units: MiB, GiB); beyond it WAL is dropped from the archive rather than filling the disk"),
            .string("repo2_endpoint", \.repo2Endpoint, "Repository 2 on S3-compatible object storage: the endpoint as host or host:port (always HTTPS); empty: no repository 2"),
            .string("repo2_bucket", \.repo2Bucket, "The bucket of repository 2 (it must exist)"),
            .string("repo2_region", \.repo2Region, "The S3 region of repository 2 (stores without regions accept any)"),
            .string("repo2_path", \.repo2Path, "Where in the bucket repository 2 lives (one path per host when hosts share a bucket)"),
            .string("repo2_key_file", \.repo2KeyFile, "File holding repository 2's access key id (one line, mode 0600)"),
            .string("repo2_secret_key_file", \.repo2SecretKeyFile, "File holding repository 2's secret access key (one line, mode 0600; never printed)"),
            .string("repo2_ca_file", \.repo2CAFile, "CA bundle verifying the store's certificate: empty for the system's CA store, \"aegisd\" for aegisd's own CA, or a path"),
            .string("repo2_uri_style", \.repo2URIStyle, "host (bucket.endpoint, AWS) or path (endpoint/bucket: SeaweedFS, MinIO)"),
            .integer("repo2_retention_full", \.repo2RetentionFull, "Full base backups kept in repository 2, with the WAL they need"),
            .bool("repo2_encrypted", \.repo2Encrypted, "Encrypt repository 2 (aes-256-cbc) with its own passphrase generated into <state_dir>/secrets/pgbackrest-repo2.cipher"),
        ]
    }

    static var replication: [ConfigField<ReplicationSettings>] {
        [
            .string("role", \.role, "primary, or standby: this host follows the primary below (aegisd config init --standby-of writes it)"),
            .strings("standby_networks", \.standbyNetworks, "On a primary: networks (CIDR) of the standbys that may replicate, over TLS with SCRAM and a client certificate (loopback always may)"),
            .integer("max_slot_wal_keep_size_mb", \.maxSlotWalKeepSizeMb, "On a primary: WAL kept for a standby that is away, in MiB; beyond it its slot is invalidated rather than the disk filled"),
            .bool("synchronous", \.synchronous, "On a primary: a commit waits until a standby has its WAL (no acknowledged commit lost; writes stop while no standby is connected)"),
            .string("primary_host", \.primaryHost, "On a standby: the primary's host name, as its server certificates name it"),
            .integer("primary_backend_port", \.primaryBackendPort, "On a standby: the primary's postgres-backend port"),
            .integer("primary_ai_port", \.primaryAIPort, "On a standby: the primary's postgres-ai port"),
            .integer("primary_executor_port", \.primaryExecutorPort, "On a standby: the primary's postgres-executor port"),
            .integer("primary_redis_port", \.primaryRedisPort, "On a standby: the primary's Redis (TLS) port; 0 means Redis does not replicate"),
            .string("slot_name", \.slotName, "On a standby: its replication slot on the primary (lower-case letters, digits, _)"),
            .strings("promoted", \.promoted, "On a standby: services promoted to primaries by aegisctl promote (it writes this); they no longer follow the primary"),
            .string("credentials_dir", \.credentialsDir, "On a standby: the pairing credentials (0600 files); empty means <state_dir>/secrets/replication"),
        ]
    }

    static var alerts: [ConfigField<AlertsSettings>] {
        [.integer("repeat_interval_s", \.repeatIntervalS, "While an alert stays firing, notify it again after this many seconds; 0 never")]
    }

    static var alertNotify: [ConfigField<AlertNotifySettings>] {
        [
            .strings("command", \.command, "Program and arguments (no shell) that get the alert as JSON on standard input"),
            .string("url", \.url, "http:// or https:// URL the alert JSON is POSTed to"),
            .string("ca_file", \.caFile, "PEM bundle verifying an https url; empty means the system's CA store"),
            .integer("timeout_s", \.timeoutS, "A delivery not finished within this many seconds is stopped and counted as failed"),
        ]
    }

    /// The keys of an `[[alerts.notify]]` table (none is rendered by default).
    static var alertNotifyKeyPaths: [String] { alertNotify.map { "alerts.notify.\($0.key)" } }

    /// Every key's dotted path, in file order: what the documentation must describe.
    static var allKeyPaths: [String] {
        func paths<S>(_ section: String, _ fields: [ConfigField<S>]) -> [String] {
            fields.map { "\(section).\($0.key)" }
        }
        return paths("aegisd", daemon) + paths("supervision", supervision) + paths("postgres", postgres)
            + PostgresInstance.allCases.flatMap { paths("postgres.\($0.rawValue)", postgresInstance) }
            + paths("redis", redis) + paths("loki", loki) + paths("metrics", metrics) + paths("backup", backup)
            + paths("offsite", offsite) + paths("maintenance", maintenance) + paths("tls", tls) + paths("logs", logs) + paths("alerts", alerts)
            + paths("pitr", pitr) + paths("replication", replication)
    }
}
