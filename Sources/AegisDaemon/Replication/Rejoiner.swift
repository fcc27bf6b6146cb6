import AegisCore
import AegisSystem
import Foundation
import Glibc
import Logging

/// `aegisctl replication rejoin --bundle FILE` on an old primary after its standby was
/// promoted: this host becomes a standby of the bundle's primary. The bundle's credentials are
/// stored as `aegisd config init --standby-of` stores them (0600 under `secrets/`), every
/// PostgreSQL instance and Redis is stopped, each instance rewound (`StandbyRewinder`) or,
/// when that is not possible, its data directory moved aside (kept) to be copied again with
/// `pg_basebackup`; then they start as standbys (`RejoinedReplication`), and `aegisd.toml` is
/// rewritten (`RejoinedConfigFile`) so that a restart keeps them so; the running configuration
/// follows at once (`Reloader.adopt`), so backups and the rest are skipped here from then on.
///
/// On a standby that follows the bundle's primary already, the same command refreshes the
/// pairing credentials instead (`refresh`): a new bundle brings a new client certificate before
/// the old one expires.
struct Rejoiner {
    /// The configuration aegisd runs with (`Reloader.config`: with a rejoin or promotion since).
    let config: AegisConfig
    let configPath: String
    let context: DriverContext
    let supervisor: Supervisor
    let stopTimeout: Duration
    /// Takes the `[replication]` section the host follows now into the running configuration.
    let adopt: @Sendable (ReplicationSettings) async -> Void

    var logger: Logger { context.logger }

    func rejoin(_ text: SecretText) async throws(SystemError) -> (message: String, reports: [RejoinReport]) {
        let bundle: ReplicationBundle
        do { bundle = try ReplicationBundle.decode(text.revealed) } catch { throw SystemError("the bundle: \(error.message)") }
        if config.replication.isStandby {
            let following = config.replication
            guard following.primaryHost == bundle.primaryHost else {
                throw SystemError("this host is a standby already, of \(following.primaryHost), and the bundle is of \(bundle.primaryHost): "
                    + "rejoin is for an old primary once its standby was promoted, or for new credentials of the primary it follows. "
                    + "To copy an instance from the primary again: aegisctl replication reseed SERVICE")
            }
            return try await refresh(bundle)
        }
        let ownCA = try FileSystem.read(CertificateLayout(config.layout).ca.certificate) ?? ""
        guard ownCA.trimmingCharacters(in: .whitespacesAndNewlines) != bundle.caCertificate.trimmingCharacters(in: .whitespacesAndNewlines)
        else {
            throw SystemError("the bundle names this very host (its CA is this host's): make it on the new primary "
                + "with aegisctl replication bundle --out FILE there")
        }
        guard let current = try FileSystem.read(configPath) else { throw SystemError("\(configPath) does not exist") }
        let following = try RejoinedConfigFile.edited(current, path: configPath, bundle: bundle).config

        let services = ReplicationSettings.promotable.filter { config.isEnabled($0) }
        try await stop(services)
        do {
            try ConfigInitializer.storeCredentials(
                bundle, in: ReplicationCredentials(config: following), secretsDir: config.layout.secretsDir)
        } catch {
            for service in services { await supervisor.start(service) }
            throw SystemError("cannot store the bundle's credentials (\(error.message)); restarted as before")
        }
        context.rejoined.set(following.replication)
        // Promoted earlier while aegisd ran: they follow again now, and start as standbys.
        for service in services { context.promotions.remove(service) }
        await adopt(following.replication)
        logger.notice("rejoining as a standby of \(bundle.primaryHost); \(services.map(\.rawValue).joined(separator: ", ")) stopped")

        var prepared: [ServiceID: RejoinReport] = [:]
        for instance in PostgresInstance.allCases where services.contains(instance.serviceID) {
            prepared[instance.serviceID] = await prepare(instance, following: following)
        }
        for service in services { await supervisor.start(service) }
        await supervisor.waitUntil(services, timeout: .seconds(3600)) { $0.isSettledAfterStart }

        var reports: [RejoinReport] = []
        for service in services {
            var report = prepared[service] ?? RejoinReport(
                service: service.rawValue, outcome: .following,
                message: "follows \(bundle.primaryHost):\(following.replication.primaryRedisPort) (replicaof; Redis copies what it lacks itself)")
            let status = await supervisor.serviceStatus(service)
            if report.outcome != .failed, status?.healthy != true {
                report.outcome = .failed
                report.message += "; but it is not healthy" + (status?.message.map { ": \($0)" } ?? "")
            }
            logger.notice("\(service.rawValue) \(report.outcome.rawValue): \(report.message)", metadata: ["service": "\(service.rawValue)"])
            reports.append(report)
        }
        let lines = reports.map { "\($0.service): \($0.outcome.rawValue), \($0.message)" }
        return ((lines + [rewriteConfiguration(bundle)]).joined(separator: "\n"), reports)
    }

    /// New credentials of the primary this standby follows (a client certificate before the old
    /// one expires, a password changed there): stored in place of the old ones (each file 0600,
    /// written beside and renamed over), then every service that follows the primary restarted,
    /// which hands them the new files and connects it again. No rewind, no copy: the data
    /// directories are the primary's already.
    private func refresh(_ bundle: ReplicationBundle) async throws(SystemError) -> (message: String, reports: [RejoinReport]) {
        let following = config.replication
        let moved = ReplicationSettings.promotable.filter { service in
            guard let port = bundle.ports[service.rawValue], service != .redis || bundle.redisUser != nil else { return false }
            return following.follows(service) && port != following.primaryPort(of: service)
        }
        guard moved.isEmpty else {
            throw SystemError("the bundle names other ports of \(bundle.primaryHost) than this standby follows ("
                + moved.map { "\($0.rawValue): \(bundle.ports[$0.rawValue] ?? 0), not \(following.primaryPort(of: $0))" }
                    .joined(separator: ", ") + "); nothing was changed. Set the primary's ports in [replication] and restart aegisd")
        }
        let credentials = ReplicationCredentials(config: config)
        do {
            try ConfigInitializer.storeCredentials(bundle, in: credentials, secretsDir: config.layout.secretsDir)
        } catch {
            throw SystemError("cannot store the bundle's credentials in \(credentials.directory) (\(error.message)); nothing was restarted")
        }
        let services = ReplicationSettings.promotable.filter {
            config.isEnabled($0) && following.follows($0) && !context.promotions.contains($0) && ($0 != .redis || RedisReplica.follows(config))
        }
        logger.notice("new pairing credentials of \(bundle.primaryHost) stored; restarting \(services.map(\.rawValue).joined(separator: ", "))")
        for service in services { await supervisor.stop(service) }
        await supervisor.waitUntil(services, timeout: stopTimeout) { $0.pid == nil && $0.state != .starting }
        for service in services { await supervisor.start(service) }
        await supervisor.waitUntil(services, timeout: .seconds(3600)) { $0.isSettledAfterStart }
        // The certificate warnings and status read the new files.
        await adopt(following)
        var reports: [RejoinReport] = []
        for service in services {
            let status = await supervisor.serviceStatus(service)
            let healthy = status?.healthy == true
            reports.append(RejoinReport(
                service: service.rawValue, outcome: healthy ? .refreshed : .failed,
                message: "restarted with the new credentials" + (healthy ? "" : ", but not healthy" + (status?.message.map { ": \($0)" } ?? ""))))
        }
        let expiry = ReplicationClientCertificate.status(credentials, now: .now)?.info.map { " (its client certificate valid until \($0.notAfter))" } ?? ""
        let lines = reports.map { "\($0.service): \($0.outcome.rawValue), \($0.message)" }
        return ((lines + ["new credentials of \(bundle.primaryHost) in \(credentials.directory)\(expiry)"]).joined(separator: "\n"), reports)
    }

    /// Stops them all, or restarts them all and changes nothing.
    private func stop(_ services: [ServiceID]) async throws(SystemError) {
        for service in services { await supervisor.stop(service) }
        await supervisor.waitUntil(services, timeout: stopTimeout) { $0.pid == nil && $0.state != .starting }
        var running: [ServiceID] = []
        for service in services where await supervisor.serviceStatus(service)?.pid != nil { running.append(service) }
        guard running.isEmpty else {
            for service in services { await supervisor.start(service) }
            throw SystemError("\(running.map(\.rawValue).joined(separator: ", ")) did not stop; nothing was changed")
        }
    }

    /// One stopped instance made ready to start as a standby: rewound, or moved aside so that
    /// its start copies it from the primary (`StandbySeeder.copyFromPrimary`).
    private func prepare(_ instance: PostgresInstance, following: AegisConfig) async -> RejoinReport {
        let service = instance.serviceID
        let dataDir = config.layout.dataDir(of: service)
        guard case .standby(let side) = PostgresReplication.of(instance, config: following, applicationName: following.replication.slotName)
        else {
            return RejoinReport(service: service.rawValue, outcome: .failed, message: "does not follow the primary in the edited configuration")
        }
        let seeder = StandbySeeder(context: context, service: service, side: side, dataDir: dataDir, binDir: config.postgres.binDir)
        let why: String
        if FileSystem.exists("\(dataDir)/PG_VERSION") {
            do {
                try await StandbyRewinder(seeder: seeder).rewind()
                return RejoinReport(
                    service: service.rawValue, outcome: .rewound,
                    message: "pg_rewind from \(side.host):\(side.port); streams into the slot \(side.slotName)")
            } catch {
                why = error.message
            }
        } else {
            why = "\(dataDir) holds no data directory"
        }
        logger.warning("\(service.rawValue) cannot be rewound (\(why)): copying it again", metadata: ["service": "\(service.rawValue)"])
        guard FileSystem.exists(dataDir) else {
            return RejoinReport(
                service: service.rawValue, outcome: .reseeded, message: "pg_rewind was not possible (\(why)); copied with pg_basebackup")
        }
        let aside = "\(dataDir).before-rejoin-\(UTCTimestamp.now.fileStamp)"
        guard rename(dataDir, aside) == 0 else {
            let reason = String(cString: strerror(errno))
            return RejoinReport(
                service: service.rawValue, outcome: .failed,
                message: "pg_rewind was not possible (\(why)), and \(dataDir) cannot be moved aside (\(reason))")
        }
        return RejoinReport(
            service: service.rawValue, outcome: .reseeded,
            message: "pg_rewind was not possible (\(why)); copied again with pg_basebackup, the previous data directory kept as \(aside)")
    }

    /// Rewrites the configuration file; says what it did, or what the operator must do. The
    /// services follow the new primary either way until aegisd restarts.
    private func rewriteConfiguration(_ bundle: ReplicationBundle) -> String {
        switch RejoinedConfigFile.update(path: configPath, bundle: bundle) {
        case .rewritten, .unchanged:
            return "\(configPath) says so, so a restart keeps this host a standby. Backups, point-in-time recovery and "
                + "maintenance are skipped here from now on, as on a standby."
        case .failed(let reason):
            logger.warning("rejoined, but aegisd could not rewrite \(configPath): \(reason)")
            return "aegisd could not rewrite \(configPath); aegisctl rewrites it when run as root. \(reason)"
        }
    }
}
