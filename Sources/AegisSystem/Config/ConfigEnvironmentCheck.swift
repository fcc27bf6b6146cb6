import AegisCore
import Foundation
import Glibc

/// The part of `config check` that needs the machine: programs that must exist, and, when aegisd
/// runs as root, whether the service user exists and can reach the state directory.
///
/// Ports in use are deliberately not checked: aegisd itself may be running and holding them.
public struct ConfigEnvironmentCheck: Sendable {
    /// Whether aegisd will run as root (and therefore switch its children to `aegisd.user`).
    public var runsAsRoot: Bool
    /// The `PATH` used to find `redis.binary` and `loki.binary` when they are bare names.
    public var searchPath: String
    /// Resolves a remote Loki's host name for the `IPAddressAllow=` advice (injected in tests);
    /// nil does not resolve: the daemon's own check at start and reload must not wait for DNS,
    /// which the unit may block.
    public var resolve: (@Sendable (String) -> [String])? = HostAddresses.resolve

    /// Where systemd finds aegisd's unit file and drop-ins, first to last: the allow list
    /// they add up to decides which client networks `config check` still asks a drop-in for.
    public var unitFiles: SystemdUnitFiles

    public init(runsAsRoot: Bool = geteuid() == 0, searchPath: String? = nil, unitFiles: SystemdUnitFiles = SystemdUnitFiles()) {
        self.runsAsRoot = runsAsRoot
        self.searchPath = searchPath ?? (getenv("PATH").map { String(cString: $0) } ?? "/usr/local/bin:/usr/bin:/bin")
        self.unitFiles = unitFiles
    }

    /// The check aegisd makes of its own file at start and reload: everything but name
    /// resolution (`aegisd config check` resolves).
    public static var daemon: ConfigEnvironmentCheck {
        var check = ConfigEnvironmentCheck()
        check.resolve = nil
        return check
    }

    public func run(_ config: AegisConfig) -> ConfigCheckReport {
        var report = ConfigCheckReport()
        let postgresEnabled = PostgresInstance.allCases.contains { config.postgres.instances[$0]?.enabled ?? false }

        if postgresEnabled {
            report.errors += postgresProgramIssues(binDir: config.postgres.binDir, standby: config.replication.isStandby)
        }
        if config.redis.enabled, let problem = programProblem(config.redis.binary) {
            report.errors.append(ConfigIssue(
                path: "redis.binary",
                reason: "\(problem); install Redis 7 (apt-get install redis-server) or set redis.binary"))
        }
        if config.loki.enabled, let problem = programProblem(config.loki.binary) {
            report.warnings.append(ConfigIssue(
                path: "loki.binary",
                reason: "\(problem): the loki service will be unavailable (everything else runs); install Grafana Loki "
                    + "(https://grafana.com/docs/loki/latest/setup/install/) or set loki.binary"))
        }
        if runsAsRoot {
            report.errors += accountIssues(config, postgresEnabled: postgresEnabled)
        }
        addBackupIssues(config, to: &report)
        addRepo2KeyFileIssues(config, to: &report)
        addOperatorCertificateIssues(config, to: &report)
        addLokiCAFileIssue(config, to: &report)
        addRemoteLokiIssues(config, to: &report)
        addOffsiteStoreIssues(config, to: &report)
        addClientAccessIssues(config, to: &report)
        return report
    }

    /// A remote `loki_url`: its credential files must be there and private (an error: the
    /// daemon would only spool until they are), credentials should not cross the network in
    /// clear, and the unit must let the packets out (the shipped one allows only localhost).
    private func addRemoteLokiIssues(_ config: AegisConfig, to report: inout ConfigCheckReport) {
        let logs = config.logs
        guard logs.ship, !logs.lokiURL.isEmpty, let endpoint = try? LokiEndpoint(url: logs.lokiURL) else { return }
        let credentials: LokiCredentials
        do {
            credentials = try LokiCredentialFiles.load(logs)
        } catch {
            report.errors.append(ConfigIssue(path: "logs.\(error.key)", reason: error.reason))
            credentials = .none
        }
        let remote = LokiUnitDropIn.isNeeded(host: endpoint.host)
        if remote, !endpoint.secure, credentials.authorization != nil {
            report.warnings.append(ConfigIssue(
                path: "logs.loki_url",
                reason: "credentials would cross the network in clear over http:// to \(endpoint.host); use https://"))
        }
        guard remote else { return }
        let addresses = IPAddress(endpoint.host) != nil ? [endpoint.host] : resolve?(endpoint.host)
        if unitLetsOut(addresses) { return }
        report.warnings.append(ConfigIssue(
            path: "logs.loki_url", reason: LokiUnitDropIn.advice(host: endpoint.host, addresses: addresses)))
    }

    /// The off-host store: rclone runs inside aegisd's unit, which lets packets out to loopback
    /// only, so a store on another host needs a drop-in for its addresses, read from the remote's
    /// section of `rclone_config` (its `endpoint`, `url` or `host`). A file that cannot be read
    /// here is left to the daemon's own checks, which name it.
    private func addOffsiteStoreIssues(_ config: AegisConfig, to report: inout ConfigCheckReport) {
        let offsite = config.offsite
        guard offsite.enabled, offsite.rcloneConfig.hasPrefix("/"),
              let text = try? FileSystem.read(offsite.rcloneConfig)
        else { return }
        let traffic = "every upload to it"
        switch RcloneRemoteHost.find(remote: offsite.remote, configText: text) {
        case .local, .unknownRemote:
            return
        case .providerDefault(let type):
            guard !unitFiles.ipAddressAllowList().contains("any") else { return }
            report.warnings.append(ConfigIssue(
                path: "offsite.remote",
                reason: "the remote \(RcloneRemoteHost.remoteName(offsite.remote)) (type \(type)) names no endpoint, so rclone "
                    + "reaches the provider's public addresses, outside the shipped unit's IPAddressAllow=localhost: under "
                    + "systemd the kernel blocks \(traffic). Run `systemctl edit aegisd`, add\n"
                    + LokiUnitDropIn.text(addresses: ["<the provider's networks, or any>"])
                    + "then `systemctl restart aegisd`"))
        case .host(let host):
            guard LokiUnitDropIn.isNeeded(host: host) else { return }
            let addresses = IPAddress(host) != nil ? [host] : resolve?(host)
            if unitLetsOut(addresses) { return }
            report.warnings.append(ConfigIssue(
                path: "offsite.remote",
                reason: LokiUnitDropIn.advice(host: host, addresses: addresses, traffic: traffic, role: "store")))
        }
    }

    /// Whether the unit's drop-ins already let every one of `addresses` out (nil or empty: not
    /// known, so not).
    private func unitLetsOut(_ addresses: [String]?) -> Bool {
        guard let addresses, !addresses.isEmpty else { return false }
        var needed = UnitDropIn()
        for address in addresses {
            guard let network = try? IPNetwork(address) else { return false }
            needed.add(network, reason: address)
        }
        return needed.uncovered(by: unitFiles.ipAddressAllowList()).isEmpty
    }

    /// Clients on other hosts: the warnings of the core, and the drop-in the systemd unit needs
    /// for the client networks its `IPAddressAllow=` does not let in yet (systemd drops their
    /// packets silently, so nothing else would say why they cannot connect).
    private func addClientAccessIssues(_ config: AegisConfig, to report: inout ConfigCheckReport) {
        report.warnings += config.clientAccessWarnings + config.metricsExposureWarnings + config.verifierHostWarnings
        let needed = config.unitDropIn
        guard !needed.isEmpty else { return }
        let missing = needed.uncovered(by: unitFiles.ipAddressAllowList())
        guard !missing.isEmpty else { return }
        report.warnings.append(ConfigIssue(path: "client_networks", reason: "clients from " + missing.instruction))
    }

    /// `[logs] loki_ca_file` should hold CA certificates, or every push fails verification. A
    /// warning, not an error: shipping is not worth refusing to start the databases for, the
    /// file is read again at each push (it may appear later), and the failures show in status.
    private func addLokiCAFileIssue(_ config: AegisConfig, to report: inout ConfigCheckReport) {
        let path = config.logs.lokiCAFile
        guard config.logs.ship, !path.isEmpty, path.hasPrefix("/") else { return }
        do {
            if try PEMFile.certificates(at: path).isEmpty {
                report.warnings.append(ConfigIssue(path: "logs.loki_ca_file", reason: "\(path) holds no certificate"))
            }
        } catch {
            report.warnings.append(ConfigIssue(
                path: "logs.loki_ca_file",
                reason: PEMFile.problem(error, path: path, expected: "PEM CA certificates").description
                    + ": pushes to Loki will fail verification until it does"))
        }
    }

    /// The operator's certificates (`[tls] operator_dir`) get the checks aegisd makes before it
    /// starts the servers, so a bad file is found here and not by a server failing to start.
    private func addOperatorCertificateIssues(_ config: AegisConfig, to report: inout ConfigCheckReport) {
        guard config.tls.enabled, config.tls.usesOperatorCertificates else { return }
        let services = config.serverCertificateServices
        // The account the daemon will give the servers (a missing user is reported above).
        let keyReader = try? ServiceAccount.forChildren(configuredUser: config.daemon.user)
        let findings = OperatorCertificates(layout: CertificateLayout(config))
            .findings(services: services, now: .now, keyReader: keyReader)
        report.errors += findings.map { ConfigIssue(path: "tls.operator_dir", reason: $0.description) }
    }

    /// A time zone that does not exist is an error; a missing key only a warning, because aegisd
    /// runs fine without backups, and every backup then fails closed saying the same. A
    /// passphrase file that is there but wrong (several lines, empty, open to others) is an
    /// error: it is a mistake in the configuration, not a step not yet taken.
    private func addBackupIssues(_ config: AegisConfig, to report: inout ConfigCheckReport) {
        let backup = config.backup
        if backup.timeZone != "local", TimeZone(identifier: backup.timeZone) == nil {
            report.errors.append(ConfigIssue(
                path: "backup.time_zone",
                reason: "unknown time zone \"\(backup.timeZone)\" (an IANA name from /usr/share/zoneinfo, e.g. Europe/Berlin, or \"local\")"))
        }
        switch backup.encryptionMode {
        case .x25519? where backup.recipients.isEmpty:
            report.warnings.append(ConfigIssue(
                path: "backup.recipients",
                reason: "empty: every backup will fail (no key to encrypt to); add the age1… public key of an identity kept off this host"))
        case .passphrase?:
            // Read by the rule sealing and restore use, so a file they would refuse is refused here.
            do {
                _ = try PassphraseFile.read(BackupPassphrase.path(backup, layout: config.layout))
            } catch where error.isMisconfiguration {
                report.errors.append(ConfigIssue(path: "backup.passphrase_file", reason: error.description))
            } catch {
                report.warnings.append(ConfigIssue(
                    path: "backup.passphrase_file", reason: "\(error): every backup will fail until it can be read"))
            }
        default:
            break
        }
    }

    /// pgBackRest's repository 2: its key files must be readable by this rule now. A warning,
    /// not an error: the instances then archive into repository 1 alone, and status says why.
    private func addRepo2KeyFileIssues(_ config: AegisConfig, to report: inout ConfigCheckReport) {
        guard config.pitr.enabled, config.pitr.hasRepo2 else { return }
        for (key, path) in [("repo2_key_file", config.pitr.repo2KeyFile), ("repo2_secret_key_file", config.pitr.repo2SecretKeyFile)]
        where !path.isEmpty {
            do {
                _ = try S3KeyFile.read(path, key: "pitr.\(key)")
            } catch {
                report.warnings.append(ConfigIssue(
                    path: "pitr.\(key)", reason: "\(error.message); until then WAL and base backups go to repository 1 only"))
            }
        }
    }

    /// A standby copies its instances from the primary with pg_basebackup.
    private func postgresProgramIssues(binDir: String, standby: Bool) -> [ConfigIssue] {
        guard ConfigFileSystem.isDirectory(binDir) else {
            return [ConfigIssue(
                path: "postgres.bin_dir",
                reason: "\(binDir) is not a directory; install PostgreSQL 15 (apt-get install postgresql-15) or set bin_dir")]
        }
        return (["postgres", "initdb"] + (standby ? ["pg_basebackup"] : [])).compactMap { program in
            let path = "\(binDir)/\(program)"
            return FileSystem.isExecutable(path) ? nil : ConfigIssue(
                path: "postgres.bin_dir", reason: "\(path) is missing or not executable")
        }
    }

    /// Why `program` (an absolute path or a name on PATH) cannot be run, or nil if it can.
    private func programProblem(_ program: String) -> String? {
        // The same lookup the drivers use at start, so check and daemon never disagree.
        if FileSystem.findExecutable(program, path: searchPath) != nil { return nil }
        return program.contains("/") ? "\(program) is missing or not executable" : "\(program) was not found on PATH"
    }

    private func accountIssues(_ config: AegisConfig, postgresEnabled: Bool) -> [ConfigIssue] {
        var issues: [ConfigIssue] = []
        let userName = config.daemon.user
        if ServiceAccount.groupID(named: config.daemon.socketGroup) == nil {
            issues.append(ConfigIssue(
                path: "aegisd.socket_group",
                reason: "the group \(config.daemon.socketGroup) does not exist; create it (groupadd --system "
                    + "\(config.daemon.socketGroup)) or set aegisd.socket_group"))
        }
        guard let account = ServiceAccount.lookup(userName) else {
            issues.append(ConfigIssue(
                path: "aegisd.user",
                reason: "the user \(userName) does not exist; create it (useradd --system --user-group "
                    + "--no-create-home --shell /usr/sbin/nologin \(userName)) or set aegisd.user"))
            return issues
        }
        if account.uid == 0 && postgresEnabled {
            issues.append(ConfigIssue(
                path: "aegisd.user", reason: "must not be root: PostgreSQL refuses to run as root"))
        }
        if let blocked = ConfigFileSystem.firstUntraversableAncestor(
            of: config.daemon.stateDir, uid: account.uid, groups: ConfigFileSystem.groups(of: userName, primary: account.gid))
        {
            issues.append(ConfigIssue(path: "aegisd.state_dir", reason: blocked.explanation(user: userName, target: config.daemon.stateDir)))
        }
        return issues
    }
}
