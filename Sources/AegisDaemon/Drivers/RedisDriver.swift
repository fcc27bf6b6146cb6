import AegisCore
import AegisSystem
import Foundation

/// Redis as a child: generated redis.conf (ACL users with hashed passwords, nothing secret in
/// argv), health by PING over its Unix socket on a connection authenticated (AUTH as aegisd's
/// admin user) once per launch.
public final class RedisDriver: ServiceDriver {
    public let service = ServiceID.redis
    public let stopPlan = StopPlan.redis
    let context: DriverContext
    /// Of the configuration followed now: a rejoin makes this Redis a replica, whose CA file differs.
    var renderer: RedisConfigRenderer { RedisConfigRenderer(config: context.config) }
    /// The health checks' connection, kept from one check to the next.
    private let session = KeptConnection<RedisClient>()

    public init(context: DriverContext) {
        self.context = context
    }

    /// On a standby: the replica's files and lines; on a primary, nil.
    private func replica() throws(LaunchFailure) -> RedisReplica? {
        let config = context.config
        guard RedisReplica.follows(config), !context.promotions.contains(service) else { return nil }
        let credentials = ReplicationCredentials(config: config)
        let files = RedisReplica.files(context.layout)
        do throws(SystemError) {
            try FileSystem.makeDirectory((files.ca as NSString).deletingLastPathComponent, mode: 0o700, owner: context.account)
            let own = try FileSystem.read(CertificateLayout(config).ca.certificate) ?? ""
            func required(_ path: String) throws(SystemError) -> String {
                guard let text = try FileSystem.read(path) else {
                    throw SystemError("\(path) is missing: pair this host again with aegisd config init --standby-of BUNDLE")
                }
                return text
            }
            try FileSystem.writeAtomically(files.ca, contents: own + required(credentials.caCertificate), mode: 0o600, owner: context.account)
            try FileSystem.writeAtomically(files.certificate, contents: required(credentials.clientCertificate), mode: 0o600, owner: context.account)
            try FileSystem.writeAtomically(files.key, contents: required(credentials.clientKey), mode: 0o600, owner: context.account)
            let password = try required(credentials.redisPassword).split(separator: "\n").first.map(String.init) ?? ""
            return RedisReplica(
                host: config.replication.primaryHost, port: config.replication.primaryRedisPort,
                user: ReplicationCredentials.redisUser, password: password, certificate: files.certificate, key: files.key)
        } catch {
            throw LaunchFailure("standby credentials: \(error.message)")
        }
    }

    public func prepare() async throws(LaunchFailure) -> LaunchSpec {
        let settings = context.config.redis
        guard let binary = FileSystem.findExecutable(settings.binary) else {
            throw LaunchFailure(
                "redis-server not found (redis.binary = \"\(settings.binary)\"): install it with "
                    + "`apt-get install redis-server` or set redis.binary",
                permanent: true)
        }
        session.reset()
        try context.makeServiceDirectories(service)
        try await LeftoverProcess.stopRecordedChild(context: context, service: service, plan: stopPlan)
        try await stopLeftoverFromPidFile()
        let password = try context.password(file: settings.passwordFile, service: service)
        var appHashes: [PostgresInstance: String] = [:]
        for app in PostgresInstance.allCases {
            appHashes[app] = SHA256Hasher.hexDigest(try context.password(file: context.layout.redisPasswordFile(of: app), service: service))
        }
        let replica = try replica()
        // A primary's replication user; a standby has none (nothing replicates from it).
        let replicatorHash = replica == nil && context.config.tls.enabled
            ? SHA256Hasher.hexDigest(try context.password(file: ReplicationCredentials.primaryRedisPassword(context.layout), service: service))
            : nil
        try context.writeServiceFile(
            renderer.configFile,
            renderer.render(
                adminPasswordHash: SHA256Hasher.hexDigest(password), appPasswordHashes: appHashes,
                loadingRestoredSnapshot: FileSystem.exists(renderer.restorePendingMarker),
                replicatorPasswordHash: replicatorHash, replica: replica))
        return LaunchSpec(
            executable: binary, arguments: [renderer.configFile],
            workingDirectory: context.layout.dataDir(of: service), account: context.account)
    }

    public func checkHealth(timeout: Duration) async -> HealthResult {
        let socket = renderer.socketPath
        let context = context
        let service = service
        let session = session
        do {
            return try await runBlocking {
                try session.use(
                    socket: socket, timeout: timeout,
                    password: { try context.password(file: context.config.redis.passwordFile, service: service) }
                ) { client in
                    let pong = try client.command(["PING"])
                    return pong == .simple("PONG") ? HealthResult.healthy : .unhealthy("PING: \(pong)")
                }
            }
        } catch {
            return .unhealthy("\(error)")
        }
    }

    public func releaseConnections() {
        session.reset()
    }

    /// A redis-server left by a killed aegisd, known by its pid file and /proc.
    private func stopLeftoverFromPidFile() async throws(LaunchFailure) {
        guard let text = try? FileSystem.read(renderer.pidFile),
            let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)),
            ProcessTable.isAlive(pid),
            ProcessTable.commandLine(pid).first?.contains("redis-server") == true
        else { return }
        guard await LeftoverProcess.stop(pid: pid, plan: stopPlan, what: "redis-server", logger: context.logger) else {
            throw LaunchFailure("a redis-server (pid \(pid)) from a previous run does not stop")
        }
    }
}
