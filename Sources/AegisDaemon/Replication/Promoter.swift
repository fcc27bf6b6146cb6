import AegisCore
import AegisSystem
import Foundation
import Logging

/// `aegisctl promote [SERVICE] [--force]` on a standby: each named service (or every one that
/// follows the primary) is made a primary by the server's own means (`pg_promote(wait =>
/// true)`, Redis `REPLICAOF NO ONE`), checked to accept writes, and `aegisd.toml` is rewritten
/// (`PromotionEdit`) so that a restart keeps it a primary.
struct Promoter {
    let config: AegisConfig
    let configPath: String
    let account: ServiceAccount
    let monitor: ReplicationMonitor
    let promotions: Promotions
    let logger: Logger
    static let timeout = Duration.seconds(90)

    /// The services that follow the primary now.
    var followers: [ServiceID] {
        ReplicationSettings.promotable.filter { service in
            guard config.isEnabled(service), monitor.follows(service) else { return false }
            return service != .redis || RedisReplica.follows(config)
        }
    }

    func promote(_ requested: ServiceID?, force: Bool) async throws(SystemError) -> (message: String, reports: [PromotionReport]) {
        guard config.replication.isStandby else {
            throw SystemError("this host is a primary ([replication] role = \"primary\"): there is nothing to promote")
        }
        let following = followers
        let targets: [ServiceID]
        if let requested {
            guard following.contains(requested) else {
                throw SystemError("\(requested.rawValue) does not follow a primary here; services that do: "
                    + (following.isEmpty ? "none" : following.map(\.rawValue).joined(separator: ", ")))
            }
            targets = [requested]
        } else {
            guard !following.isEmpty else { throw SystemError("every service here is a primary already") }
            targets = following
        }
        if !force {
            for service in targets {
                let reading = await monitor.reading(service, maxAge: .zero)
                guard reading.detail.streaming == true, let lag = reading.lagBytes else {
                    throw SystemError("the lag of \(service.rawValue) is unknown (it does not stream from the primary"
                        + (reading.detail.error.map { ": \($0)" } ?? "") + "): what it did not receive would be lost. "
                        + "If the primary is gone for good, promote anyway with --force")
                }
                logger.notice("promoting \(service.rawValue), \(lag) bytes behind the primary", metadata: ["service": "\(service.rawValue)"])
            }
        }
        var reports: [PromotionReport] = []
        for service in targets {
            promotions.insert(service)
            do {
                reports.append(service == .redis ? try await promoteRedis() : try await promotePostgres(service.postgresInstance!))
            } catch {
                promotions.remove(service)
                throw SystemError("\(service.rawValue) was not promoted: \(error)"
                    + (reports.isEmpty ? "" : "; promoted before it: " + reports.map(\.service).joined(separator: ", ")))
            }
            logger.notice("\(reports.last!.message)", metadata: ["service": "\(service.rawValue)"])
        }
        let rewrite = rewriteConfiguration(promoted: targets)
        let message = reports.map(\.message).joined(separator: "\n") + "\n" + rewrite
        return (message, reports)
    }

    /// The `[replication]` section once the promotions are done, as `PromotionEdit` writes it to
    /// the file: every service promoted makes the host a primary (`role = "primary"`); some of
    /// them are named in `promoted`.
    var settingsAfterPromotion: ReplicationSettings {
        var settings = config.replication
        let remaining = followers
        if remaining.isEmpty {
            settings.role = "primary"
            settings.promoted = []
        } else {
            // As the file names them: promoted before, and now what followed and follows no more.
            let already = config.replication.promoted.compactMap(ServiceID.init(rawValue:))
            let followed = ReplicationSettings.promotable.filter { service in
                config.isEnabled(service) && config.replication.follows(service) && (service != .redis || RedisReplica.follows(config))
            }
            settings.promoted = ServiceID.allCases
                .filter { already.contains($0) || (followed.contains($0) && !remaining.contains($0)) }.map(\.rawValue)
        }
        return settings
    }

    private func promotePostgres(_ instance: PostgresInstance) async throws -> PromotionReport {
        let admin = PostgresAdmin(instance: instance, config: config, account: account)
        let timeline: Int = try await admin.run("aegisd-promote", timeout: Self.timeout) { connection in
            let promoted = try connection.execute("SELECT pg_promote(wait => true, wait_seconds => 60)", timeout: Self.timeout)
            guard promoted.first?.first == "t" else { throw SystemError("pg_promote did not finish within 60 seconds") }
            let row = try connection.execute(
                "SELECT pg_is_in_recovery(), current_setting('transaction_read_only'), substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)",
                timeout: Self.timeout).first ?? []
            guard row.count == 3, row[0] == "f", row[1] == "off", let hex = row[2] ?? nil, let timeline = Int(hex, radix: 16) else {
                throw SystemError("the instance does not accept writes after pg_promote (\(row))")
            }
            return timeline
        }
        return PromotionReport(
            service: instance.serviceID.rawValue, timeline: timeline,
            message: "\(instance.serviceID.rawValue) is a primary, accepting writes on timeline \(timeline)")
    }

    private func promoteRedis() async throws -> PromotionReport {
        let socket = RedisConfigRenderer(config: config).socketPath
        let passwordFile = config.passwordFile(of: .redis)
        try await runBlocking {
            let client = try RedisClient(unixPath: socket, timeout: .seconds(10))
            try client.authenticate(user: RedisACL.adminUser, password: try SecretFile.readOrCreate(passwordFile))
            _ = try client.command(["REPLICAOF", "NO", "ONE"])
            let info = try RedisSnapshotSource.info(client, "replication")
            guard info["role"] == "master" else { throw SystemError("Redis is still a replica after REPLICAOF NO ONE") }
        }
        return PromotionReport(service: ServiceID.redis.rawValue, message: "redis is a primary, accepting writes")
    }

    /// Rewrites the configuration file (the same edit `aegisctl promote` makes when aegisd
    /// cannot: `PromotedConfigFile`); says what it did, or what the operator must do. The
    /// servers are primaries either way: only the file's rewrite can fail here.
    private func rewriteConfiguration(promoted targets: [ServiceID]) -> String {
        switch PromotedConfigFile.update(path: configPath, promotedNow: targets) {
        case .rewritten, .unchanged:
            return "\(configPath) says so, so a restart keeps them primaries. Backups and maintenance run here from now on; "
                + "restart aegisd (systemctl restart aegisd) before pairing a standby with this host or for point-in-time "
                + "recovery: the replication lines of pg_hba and WAL archiving are set when an instance starts."
        case .failed(let reason):
            // The packaged unit leaves /etc read-only to aegisd: aegisctl, run by root, rewrites it then.
            logger.warning("promoted, but aegisd could not rewrite \(configPath): \(reason)")
            return "aegisd could not rewrite \(configPath); aegisctl rewrites it when run as root. \(reason)"
        }
    }
}
