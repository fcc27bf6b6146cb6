import AegisCore
import AegisSystem
import AegisTestSupport
import Foundation

/// A primary aegisd and a standby aegisd on one machine (separate state directories and ports),
/// paired the documented way: a bundle made by `aegisctl replication bundle` on the primary, its
/// credentials stored on the standby as `aegisd config init --standby-of` stores them, and the
/// standby's first start copying every instance with pg_basebackup over TLS. Returned once every
/// PostgreSQL instance of the standby streams.
struct ReplicationPair {
    let primary: DaemonHarness
    let standby: DaemonHarness

    static let slotName = "standby_test"

    static func start(configurePrimary: (inout AegisConfig) -> Void = { _ in }) async throws -> ReplicationPair {
        let primary = try await DaemonHarness(configure: configurePrimary)
        try primary.start()
        try await primary.waitUntilAllHealthy(timeout: .seconds(120))
        let bundlePath = "\(primary.root)/standby.bundle"
        let made = try primary.aegisctl("replication bundle --out '\(bundlePath)' --host localhost")
        guard made.status == 0 else { throw TestFailure("replication bundle failed: \(made.output)") }
        let bundle = try ReplicationBundle.decode(try String(contentsOfFile: bundlePath, encoding: .utf8))

        let standby = try await DaemonHarness(withClusters: false) { config in
            config.replication.role = "standby"
            config.replication.primaryHost = bundle.primaryHost
            config.replication.slotName = slotName
            for service in ServiceID.allCases where service != .loki {
                config.replication.setPrimaryPort(bundle.ports[service.rawValue] ?? 0, of: service)
            }
        }
        try ConfigInitializer.storeCredentials(
            bundle, in: ReplicationCredentials(config: standby.config), secretsDir: "\(standby.root)/secrets")
        try standby.start()
        try await standby.waitUntilAllHealthy(timeout: .seconds(180))
        try await standby.waitFor("every instance of the standby streaming") { report in
            report.services.filter { $0.name.hasPrefix("postgres") }.allSatisfy { $0.replication?.streaming == true }
        }
        return ReplicationPair(primary: primary, standby: standby)
    }
}
