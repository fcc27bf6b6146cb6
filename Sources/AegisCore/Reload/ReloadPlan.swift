/// What a configuration reload (SIGHUP, `aegisctl reload`) changes, decided from the old and
/// the new configuration alone.
///
/// A service is restarted only when something it is started with changed; everything else
/// keeps running untouched. Keys that shape the daemon itself (state directory, socket, user)
/// cannot change under a running daemon: the whole reload is then refused and the old
/// configuration stays in force.
public struct ReloadPlan: Sendable, Equatable {
    /// Enabled before and after, with changed settings: stopped and started on the new ones.
    public var restart: [ServiceID] = []
    /// Newly enabled.
    public var start: [ServiceID] = []
    /// Newly disabled.
    public var stop: [ServiceID] = []
    /// `[backup]` changed: the schedules and keys are replaced.
    public var backupChanged = false
    /// `[maintenance]` changed: the maintenance schedules are replaced.
    public var maintenanceChanged = false
    /// `[logs]` tenant or credential keys changed: the shipper takes them in place (it re-reads
    /// the credential files at every reload anyway, for a rotated password).
    public var lokiCredentialsChanged = false
    /// `metrics.collect_interval_s` changed: read at the next round, nothing restarts.
    public var metricsIntervalChanged = false
    /// Keys whose change needs a restart of aegisd; non-empty means the reload is refused.
    public var needsDaemonRestart: [String] = []

    public init(old: AegisConfig, new: AegisConfig) {
        let daemonKeys: [(String, Bool)] = [
            ("aegisd.state_dir", old.daemon.stateDir != new.daemon.stateDir),
            ("aegisd.socket", old.daemon.socket != new.daemon.socket),
            ("aegisd.user", old.daemon.user != new.daemon.user),
            ("aegisd.socket_group", old.daemon.socketGroup != new.daemon.socketGroup),
            ("aegisd.log_level", old.daemon.logLevel != new.daemon.logLevel),
        ]
        needsDaemonRestart = daemonKeys.filter(\.1).map(\.0)
        for service in ServiceID.allCases {
            switch (old.isEnabled(service), new.isEnabled(service)) {
            case (false, true): start.append(service)
            case (true, false): stop.append(service)
            case (true, true) where Self.launchSettingsDiffer(service, old, new): restart.append(service)
            default: break
            }
        }
        // The health loops and restart policies are built at start; changing them under running
        // state machines would mix two policies in one restart history.
        if old.supervision != new.supervision { needsDaemonRestart.append("[supervision]") }
        // The metrics listener is bound once at start (collect_interval_s is read every round).
        if old.metrics.port != new.metrics.port { needsDaemonRestart.append("metrics.port") }
        if old.metrics.listen != new.metrics.listen { needsDaemonRestart.append("metrics.listen") }
        if old.metrics.bearerTokenFile != new.metrics.bearerTokenFile { needsDaemonRestart.append("metrics.bearer_token_file") }
        if old.metrics.basicAuthUser != new.metrics.basicAuthUser { needsDaemonRestart.append("metrics.basic_auth_user") }
        if old.metrics.basicAuthPasswordFile != new.metrics.basicAuthPasswordFile {
            needsDaemonRestart.append("metrics.basic_auth_password_file")
        }
        if old.metrics.tls != new.metrics.tls { needsDaemonRestart.append("metrics.tls") }
        if old.metrics.tlsCertFile != new.metrics.tlsCertFile { needsDaemonRestart.append("metrics.tls_cert_file") }
        if old.metrics.tlsKeyFile != new.metrics.tlsKeyFile { needsDaemonRestart.append("metrics.tls_key_file") }
        // pgBackRest's files, the archiving lines and the PITR jobs are made at start, for
        // every instance at once; a change takes a restart of aegisd (nothing is lost by it).
        if old.pitr != new.pitr { needsDaemonRestart.append("[pitr]") }
        // Roles decide how every instance starts, what is backed up and archived, what is
        // migrated: a change (a pairing, `aegisctl promote`'s rewrite) takes a restart of aegisd.
        if old.replication != new.replication { needsDaemonRestart.append("[replication]") }
        for instance in PostgresInstance.allCases where old.pitrEnabled(instance.serviceID) != new.pitrEnabled(instance.serviceID) {
            needsDaemonRestart.append("postgres.\(instance.rawValue).pitr")
        }
        // The notifier is built at start with its targets.
        if old.alerts != new.alerts { needsDaemonRestart.append("[alerts]") }
        // The shipper's spool, sources and positions are opened once; a restart of aegisd loses
        // nothing (the spool and positions are on disk). The tenant and credentials are the
        // exception: only the headers of the next push change.
        if old.logs.withoutLokiAuth != new.logs.withoutLokiAuth {
            needsDaemonRestart.append("[logs]")
        } else if new.logs.ship, new.logs.lokiURL.isEmpty, old.lokiPushURL != new.lokiPushURL {
            // The shipper's endpoint and TLS settings are fixed at start too; when it pushes to
            // the supervised Loki, they follow loki.tls and loki.http_port.
            if old.loki.tls != new.loki.tls { needsDaemonRestart.append("loki.tls") }
            if old.loki.httpPort != new.loki.httpPort { needsDaemonRestart.append("loki.http_port") }
        }
        lokiCredentialsChanged = old.logs.withoutLokiAuth == new.logs.withoutLokiAuth && old.logs != new.logs
        backupChanged = old.backup != new.backup
        maintenanceChanged = old.maintenance != new.maintenance
        metricsIntervalChanged = old.metrics.collectIntervalS != new.metrics.collectIntervalS
    }

    /// Nothing to do at all.
    public var isEmpty: Bool {
        restart.isEmpty && start.isEmpty && stop.isEmpty && !backupChanged && !maintenanceChanged && !lokiCredentialsChanged
            && !metricsIntervalChanged
            && needsDaemonRestart.isEmpty
    }

    /// Whether `service` is started with different settings under `new`.
    static func launchSettingsDiffer(_ service: ServiceID, _ old: AegisConfig, _ new: AegisConfig) -> Bool {
        switch service.kind {
        case .postgres:
            let instance = service.postgresInstance!
            return old.postgres.binDir != new.postgres.binDir
                || old.postgres.instances[instance] != new.postgres.instances[instance] || old.tls != new.tls
        case .redis:
            return old.redis != new.redis || old.tls != new.tls
        case .loki:
            // With TLS, [tls] decides where its certificate lives (operator_dir) and its names.
            return old.loki != new.loki || (new.loki.tls && old.tls != new.tls)
        }
    }

    /// One line for the journal and `aegisctl reload`.
    public var summary: String {
        if !needsDaemonRestart.isEmpty {
            return "refused: \(needsDaemonRestart.joined(separator: ", ")) cannot change while aegisd runs; restart aegisd (systemctl restart aegisd) to apply"
        }
        if isEmpty { return "nothing changed" }
        var parts: [String] = []
        if !restart.isEmpty { parts.append("restarting " + restart.map(\.rawValue).joined(separator: ", ")) }
        if !start.isEmpty { parts.append("starting " + start.map(\.rawValue).joined(separator: ", ")) }
        if !stop.isEmpty { parts.append("stopping " + stop.map(\.rawValue).joined(separator: ", ")) }
        if backupChanged { parts.append("new backup settings") }
        if maintenanceChanged { parts.append("new maintenance schedules") }
        if lokiCredentialsChanged { parts.append("new Loki tenant or credentials") }
        if metricsIntervalChanged { parts.append("new metrics.collect_interval_s") }
        return parts.joined(separator: "; ")
    }
}
