import AegisCore
import AegisSystem
import Logging

/// What differs between PostgreSQL, Redis and Loki; the supervisor does everything else the same
/// way for all of them.
public protocol ServiceDriver: Sendable {
    var service: ServiceID { get }
    /// The polite way down, ending in SIGKILL.
    var stopPlan: StopPlan { get }
    /// Makes the service ready to spawn (binary found, directories, generated config, first-run
    /// init, leftovers of a crashed aegisd stopped) and returns how to spawn it.
    func prepare() async throws(LaunchFailure) -> LaunchSpec
    /// One health check, bounded by `timeout`.
    func checkHealth(timeout: Duration) async -> HealthResult
    /// Called just before the supervisor signals the service's process (a rung of its stop
    /// plan, a kill): lets go of the connections kept open to it, which a PostgreSQL smart
    /// shutdown would otherwise wait for. Must return at once.
    func releaseConnections()
}

extension ServiceDriver {
    public func releaseConnections() {}
}

/// Why a service could not be prepared or spawned.
public struct LaunchFailure: Error, Sendable, CustomStringConvertible {
    public var reason: String
    /// Retrying will not help (the program is not installed): the service is `unavailable`.
    public var permanent: Bool

    public init(_ reason: String, permanent: Bool = false) {
        self.reason = reason
        self.permanent = permanent
    }

    public var description: String { reason }
}

/// The answer of one health check.
public struct HealthResult: Sendable, Equatable {
    public var passed: Bool
    public var detail: String
    /// The service answered but must not run as it is (a refused schema migration): it is
    /// stopped and marked failed instead of being retried.
    public var fatal: Bool = false

    public static let healthy = HealthResult(passed: true, detail: "ok")
    public static func unhealthy(_ detail: String) -> HealthResult { HealthResult(passed: false, detail: detail) }
    public static func refused(_ detail: String) -> HealthResult { HealthResult(passed: false, detail: detail, fatal: true) }
}

/// What every driver needs from the daemon.
public struct DriverContext: Sendable {
    /// The configuration aegisd started with.
    public let configured: AegisConfig
    /// The configuration the drivers follow: `configured`, with the `[replication]` section a
    /// rejoin switched to since (`RejoinedReplication`).
    public var config: AegisConfig {
        guard let replication = rejoined.current else { return configured }
        var config = configured
        config.replication = replication
        return config
    }
    public let account: ServiceAccount
    /// The OS user aegisd itself runs as.
    public let daemonUser: String
    public let logger: Logger
    public let notifier: SystemdNotifier
    /// A standby's first copies from the primary, for the status.
    public let seeding: SeedingProgress
    /// Services promoted by `aegisctl promote` while aegisd runs.
    public let promotions: Promotions
    /// The primary `aegisctl replication rejoin` made this host follow while aegisd runs.
    public let rejoined: RejoinedReplication

    public init(config: AegisConfig, account: ServiceAccount, daemonUser: String, logger: Logger,
                notifier: SystemdNotifier = SystemdNotifier(), seeding: SeedingProgress = SeedingProgress(),
                promotions: Promotions = Promotions(), rejoined: RejoinedReplication = RejoinedReplication()) {
        self.seeding = seeding
        self.promotions = promotions
        self.rejoined = rejoined
        self.configured = config
        self.account = account
        self.daemonUser = daemonUser
        self.logger = logger
        self.notifier = notifier
    }

    public var layout: StateLayout { configured.layout }

    /// The data, config and run directories of a service, owned by the service account.
    public func makeServiceDirectories(_ service: ServiceID) throws(LaunchFailure) {
        do {
            try FileSystem.makeDirectory(layout.dataDir(of: service), mode: 0o700, owner: account)
            try FileSystem.makeDirectory(layout.configDir(of: service), mode: 0o700, owner: account)
            try FileSystem.makeDirectory(layout.runDir(of: service), mode: 0o750, owner: account)
        } catch {
            throw LaunchFailure(error.message)
        }
    }

    /// The password of a service from its secret file, generated on first use.
    public func password(file configured: String, service: ServiceID) throws(LaunchFailure) -> String {
        let path = configured.isEmpty ? layout.passwordFile(of: service) : configured
        do {
            return try SecretFile.readOrCreate(path)
        } catch {
            throw LaunchFailure("password file: \(error.message)")
        }
    }

    /// Writes a generated file readable only by the service account.
    public func writeServiceFile(_ path: String, _ contents: String) throws(LaunchFailure) {
        do {
            try FileSystem.writeAtomically(path, contents: contents, mode: 0o600, owner: account)
        } catch {
            throw LaunchFailure(error.message)
        }
    }
}
