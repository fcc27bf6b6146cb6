import AegisCore
import AegisSystem
import Glibc
import Logging

/// Keeps the built-in CA's certificates current: issued before the servers first start,
/// checked hourly and renewed under `[tls] renew_before_days`, rotated on `aegisctl certs
/// rotate`. A renewed server certificate is loaded without restarting the server: PostgreSQL
/// rereads its TLS files on SIGHUP, Redis on `CONFIG SET tls-cert-file …`, and Loki (with
/// `[loki] tls`) reads its files at every handshake.
///
/// With `[tls] operator_dir` the certificates are the operator's: they are checked before the
/// servers start (a problem stops the start with what to fix), never written, watched for
/// expiry, and `certs rotate` re-checks them and reloads the servers after a replacement.
actor CertificateManager {
    private(set) var config: AegisConfig
    let account: ServiceAccount
    let supervisor: Supervisor
    let logger: Logger
    /// Certificates close to expiry, refreshed at every check: STATUS= is refreshed every few
    /// seconds and must not parse PEM files each time.
    private(set) var warnings: [String] = []
    /// The statuses `/metrics` reads at every collection, read again only when a file changed.
    private var monitored = CertificateStatusCache<FileStamp>()

    init(config: AegisConfig, account: ServiceAccount, supervisor: Supervisor, logger: Logger) {
        self.config = config
        self.account = account
        self.supervisor = supervisor
        self.logger = logger
    }

    var store: CertificateStore { CertificateStore(layout: CertificateLayout(config.layout)) }
    var operatorCertificates: OperatorCertificates? {
        config.tls.usesOperatorCertificates ? OperatorCertificates(layout: CertificateLayout(config)) : nil
    }

    /// The services with a server certificate: the enabled PostgreSQL instances and Redis, and
    /// Loki with `[loki] tls`.
    var servers: [ServiceID] { config.serverCertificateServices }

    /// The apps' login roles as the client certificates' common names (what `verify-full` checks).
    var clientNames: [PostgresInstance: String] {
        config.postgres.instances.mapValues(\.user)
    }

    /// Before the first start (and at a reload): every certificate the servers and apps need.
    /// Throws when they cannot be made, since the servers could not start without them. Returns
    /// the services whose server certificate was (re)issued, e.g. because the listen addresses
    /// in its names changed.
    @discardableResult
    func prepare() throws(SystemError) -> [ServiceID] {
        guard config.tls.enabled else { return [] }
        if let operatorCertificates {
            try check(operatorCertificates)
            refreshWarnings()
            return []
        }
        try FileSystem.makeDirectory(config.layout.certsDir, mode: 0o755)
        let changes = try store.ensure(
            services: servers, apps: PostgresInstance.allCases, extraNames: config.serverCertificateNames,
            clientCommonNames: clientNames, metricsEndpoint: config.issuedMetricsEndpoint, policy: config.tls.policy, now: .now,
            serverKeyOwner: account)
        log(changes)
        refreshWarnings()
        return Set(changes.compactMap(\.role.service)).sorted()
    }

    /// Makes these running servers load their certificate files again, without a restart.
    func reloadCertificates(of services: [ServiceID]) async {
        for service in services { await reloadCertificate(of: service) }
    }

    /// Checks once an hour, renews and reloads what is due, until cancelled (the daemon's
    /// `CertificateRenewalService` runs it).
    func runRenewals() async {
        while !Task.isCancelled {
            guard (try? await Task.sleep(for: .seconds(3600))) != nil else { return }
            do {
                try await renew(force: false)
            } catch {
                logger.error("certificate renewal failed: \(error)")
            }
        }
    }

    /// `aegisctl certs rotate`: re-issues every leaf, or, with the operator's certificates,
    /// checks the files they put in place and reloads every server. Returns what was done.
    func rotate() async throws(SystemError) -> String {
        guard config.tls.enabled else { throw SystemError("TLS is off ([tls] enabled = false): there are no certificates to rotate") }
        guard let operatorCertificates else {
            let changes = try await renew(force: true)
            return "re-issued \(changes.count) certificates; servers reloaded without a restart"
        }
        try check(operatorCertificates)
        refreshWarnings()
        for service in servers { await reloadCertificate(of: service) }
        return "the certificates in \(config.tls.operatorDir) are usable and were not changed; "
            + "\(servers.count) servers reloaded them without a restart"
    }

    /// Throws every problem of the operator's certificates, worded for the person who fixes them.
    private func check(_ certificates: OperatorCertificates) throws(SystemError) {
        let findings = certificates.findings(services: servers, now: .now, keyReader: account)
        guard findings.isEmpty else {
            throw SystemError(
                "the certificates in tls.operator_dir cannot be used: "
                    + findings.map(\.description).joined(separator: "; "))
        }
    }

    /// The hourly check (`force` false) or a rotation of the built-in CA's certificates:
    /// returns what changed.
    @discardableResult
    func renew(force: Bool) async throws(SystemError) -> [CertificateChange] {
        guard config.tls.enabled else { throw SystemError("TLS is off ([tls] enabled = false): there are no certificates to rotate") }
        // The operator's files are theirs to renew; the hourly check only refreshes warnings.
        if operatorCertificates != nil {
            refreshWarnings()
            return []
        }
        let changes = force
            ? try store.rotate(
                services: servers, apps: PostgresInstance.allCases, extraNames: config.serverCertificateNames,
                clientCommonNames: clientNames, metricsEndpoint: config.issuedMetricsEndpoint, policy: config.tls.policy, now: .now,
            serverKeyOwner: account)
            : try store.ensure(
                services: servers, apps: PostgresInstance.allCases, extraNames: config.serverCertificateNames,
                clientCommonNames: clientNames, metricsEndpoint: config.issuedMetricsEndpoint, policy: config.tls.policy, now: .now,
            serverKeyOwner: account)
        log(changes)
        refreshWarnings()
        let reload = Set(changes.compactMap(\.role.service))
        for service in reload.sorted() { await reloadCertificate(of: service) }
        return changes
    }

    /// Every certificate in use, with a standby's replication client certificate (issued by the
    /// primary's CA, renewed only with a new bundle) after this host's own.
    func status() -> [CertificateStatus] {
        let own = operatorCertificates.map { $0.status(services: servers, now: .now) }
            ?? store.status(services: servers, metrics: config.issuedMetricsEndpoint != nil, now: .now)
        guard config.replication.isStandby else { return own }
        return own + [ReplicationClientCertificate.status(ReplicationCredentials(config: config), now: .now)].compactMap { $0 }
    }

    /// The certificates in use, for `/metrics`: none without `[tls] enabled`. Parsed again only
    /// when one of their files changed or a date in them was crossed (`CertificateStatusCache`);
    /// otherwise this costs a `stat` of each file the statuses are read from.
    func statusIfEnabled() -> [CertificateStatus] {
        guard config.tls.enabled else { return [] }
        let stamps = statusFiles.map(FileStamp.of)
        return monitored.statuses(stamps: stamps, now: .now) { status() }
    }

    /// Every file `status()` may read, whichever of them exist: the tree's pairs, and a
    /// standby's replication client certificate with the primary's CA.
    private var statusFiles: [String] {
        let pairs = CertificateLayout(config).allPairs.flatMap { [$0.certificate, $0.key] }
        guard config.replication.isStandby else { return pairs }
        let credentials = ReplicationCredentials(config: config)
        return pairs + [credentials.clientCertificate, credentials.clientKey, credentials.caCertificate]
    }

    func update(config: AegisConfig) {
        self.config = config
        // Which certificates are shown (services, the metrics endpoint, the tree) may change.
        monitored.forget()
        refreshWarnings()
    }

    /// A certificate with less than 14 days left (or unusable) is a warning in status.
    private func refreshWarnings() {
        guard config.tls.enabled else {
            warnings = []
            return
        }
        warnings = status().compactMap { entry in
            if let problem = entry.problem { return "certificate \(entry.role): \(problem)" }
            if let days = entry.daysLeft, days < 14 {
                return "certificate \(entry.role) expires in \(days) days"
                    + (entry.role == .replicationClient ? ": \(ReplicationClientCertificate.replacement)" : "")
            }
            return nil
        }
    }

    /// Makes a running server use its new certificate; a stopped one reads it at its next start.
    private func reloadCertificate(of service: ServiceID) async {
        guard let pid = await supervisor.serviceStatus(service)?.pid else { return }
        let metadata: Logger.Metadata = ["service": "\(service.rawValue)"]
        switch service.kind {
        case .postgres:
            // The postmaster rereads postgresql.conf and the TLS files; its pid stays. One that
            // has just been started may not handle SIGHUP yet, and would die of it; it has not
            // read the TLS files yet either (it installs its handlers first), so it loads the
            // new ones by itself.
            guard ProcessTable.catches(SIGHUP, pid: pid) else {
                logger.notice("\(service.rawValue): starting; it loads the new certificate as it starts", metadata: metadata)
                return
            }
            _ = ProcessTable.send(SIGHUP, to: pid)
            logger.notice("\(service.rawValue): new certificate loaded (SIGHUP)", metadata: metadata)
        case .redis:
            do {
                try await reloadRedis()
                logger.notice("redis: new certificate loaded (CONFIG SET tls-*)", metadata: metadata)
            } catch {
                logger.error("redis: the new certificate could not be loaded: \(error)", metadata: metadata)
            }
        case .loki:
            // Loki reads cert_file and key_file at every TLS handshake (exporter-toolkit's
            // GetCertificate): the new pair is already in use, with no signal and no restart.
            logger.notice("loki: new certificate in place; Loki serves it from its next TLS handshake", metadata: metadata)
        }
    }

    private func reloadRedis() async throws {
        let renderer = RedisConfigRenderer(config: config)
        guard let tls = renderer.tls else { return }
        let password = try SecretFile.readOrCreate(config.passwordFile(of: .redis))
        try await runBlocking {
            let client = try RedisClient(unixPath: renderer.socketPath, timeout: .seconds(10))
            try client.authenticate(user: RedisACL.adminUser, password: password)
            // Setting the files, even to the same paths, makes Redis load them again.
            let reply = try client.command([
                "CONFIG", "SET", "tls-cert-file", tls.certificate, "tls-key-file", tls.key, "tls-ca-cert-file", tls.ca,
            ])
            guard reply == .simple("OK") else { throw SystemError("CONFIG SET tls-*: \(reply)") }
        }
    }

    private func log(_ changes: [CertificateChange]) {
        for change in changes { logger.notice("certificate \(change)") }
    }
}
