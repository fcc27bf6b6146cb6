import AegisCore
import AegisSystem
import Foundation
import Glibc
import AegisTestSupport

/// Runs the real `aegisd` binary against a fresh state directory on free loopback ports, with
/// real PostgreSQL and Redis, and a test NOTIFY_SOCKET. The PostgreSQL clusters are copied from
/// one initdb made per test run (initdb is the slow part; the copy is what a fresh first start
/// would have made).
final class DaemonHarness: @unchecked Sendable {
    let root: String
    let configPath: String
    private(set) var config: AegisConfig
    let notify: NotifySocketListener
    private(set) var process: Process?

    static var aegisd: String { locate("aegisd") }
    static var aegisctl: String { locate("aegisctl") }

    /// The test binary lives in the build directory beside the executables (or inside an
    /// .xctest bundle there).
    static func locate(_ name: String) -> String {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent(name).path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return "\(FileManager.default.currentDirectoryPath)/.build/debug/\(name)"
    }

    /// - Parameters:
    ///   - withClusters: copy initialized PostgreSQL clusters in (false: aegisd runs initdb).
    ///   - configure: adjust the configuration (`config init`'s, with free ports).
    init(withClusters: Bool = true, configure: (inout AegisConfig) -> Void = { _ in }) async throws {
        let template = try await ClusterTemplate.shared.path()
        root = try Self.makeTemporaryDirectory(prefix: "aegisd-test")
        configPath = "\(root)/aegisd.toml"
        var config = try AegisConfig.forInit(root: root, portBase: try FreePorts.base(count: 7))
        config.supervision.healthIntervalMs = 200
        config.supervision.healthTimeoutMs = 200
        config.supervision.restartInitialDelayMs = 100
        config.supervision.restartMaxDelayMs = 1000
        // Point-in-time recovery is on by default, but only the PITR tests need its stanza
        // checks and archiving (three pgBackRest checks per start on two shared cores).
        config.pitr.enabled = false
        configure(&config)
        self.config = config
        try ConfigRenderer.render(config).write(toFile: configPath, atomically: true, encoding: .utf8)
        notify = try NotifySocketListener(directory: root)
        if withClusters {
            try FileManager.default.createDirectory(atPath: "\(root)/data", withIntermediateDirectories: true)
            for instance in PostgresInstance.allCases {
                try Self.shell("cp -a '\(template)' '\(root)/data/\(instance.serviceID.rawValue)'")
            }
        }
    }

    deinit {
        if let process, process.isRunning { kill(process.processIdentifier, SIGKILL) }
        killLeftovers()
        try? FileManager.default.removeItem(atPath: root)
    }

    /// Rewrites aegisd.toml with a change (for reload tests); `raw` replaces the file as is.
    func rewriteConfig(raw: String? = nil, _ change: (inout AegisConfig) -> Void = { _ in }) throws {
        change(&config)
        try (raw ?? ConfigRenderer.render(config)).write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    // MARK: - Running the daemon

    /// - Parameters:
    ///   - journal: let aegisd log to journald (when it runs) instead of its stderr.
    ///   - asServiceUser: run aegisd itself as the unprivileged service user, as systemd does
    ///     (`User=aegis`), instead of as root; the state directory is handed to that user.
    func start(journal: Bool = false, asServiceUser: Bool = false, environment extra: [String: String] = [:]) throws {
        let process = Process()
        let arguments = ["--config", configPath] + (journal ? [] : ["--stderr-log"])
        if asServiceUser {
            let user = config.daemon.user
            try Self.shell("chown -R '\(user):\(user)' '\(root)'")
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            process.arguments = ["--reuid=\(user)", "--regid=\(user)", "--init-groups", "--", Self.aegisd] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: Self.aegisd)
            process.arguments = arguments
        }
        var environment = ProcessInfo.processInfo.environment
        environment["NOTIFY_SOCKET"] = notify.path
        environment.merge(extra) { _, new in new }
        process.environment = environment
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = FileHandle(forWritingAtPath: logPath)!
        log.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        try process.run()
        self.process = process
    }

    var logPath: String { "\(root)/aegisd.log" }
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// SIGTERM, then waits for exit; returns the exit status.
    func terminate(timeout: Duration = .seconds(60)) async throws -> Int32 {
        guard let process else { throw TestFailure("not started") }
        kill(process.processIdentifier, SIGTERM)
        return try await waitForExit(timeout: timeout)
    }

    /// SIGKILL: aegisd dies without a chance to stop its children.
    func killDaemon() async throws {
        guard let process else { throw TestFailure("not started") }
        kill(process.processIdentifier, SIGKILL)
        _ = try await waitForExit(timeout: .seconds(10))
    }

    func waitForExit(timeout: Duration) async throws -> Int32 {
        guard let process else { throw TestFailure("not started") }
        try await Poll.until("aegisd to exit", timeout: timeout) { !process.isRunning }
        return process.terminationStatus
    }

    // MARK: - Observing it

    func status() throws -> StatusReport {
        let reply = try ControlClient.send(
            ControlRequest.status, socketPath: config.daemon.socket, timeout: .seconds(5))
        guard let status = reply.status else { throw TestFailure("no status in reply: \(reply)") }
        return status
    }

    func send(_ request: ControlRequest) throws -> ControlReply {
        try ControlClient.send(request, socketPath: config.daemon.socket, timeout: .seconds(90))
    }

    func service(_ id: ServiceID) throws -> ServiceStatus {
        guard let found = try status().services.first(where: { $0.name == id.rawValue }) else {
            throw TestFailure("\(id.rawValue) not in status")
        }
        return found
    }

    /// Polls the status until `predicate` holds; returns the status that satisfied it.
    @discardableResult
    func waitFor(
        _ what: String, timeout: Duration = .seconds(60), _ predicate: (StatusReport) -> Bool
    ) async throws -> StatusReport {
        var last: StatusReport?
        do {
            try await Poll.until(what, timeout: timeout) {
                last = try? status()
                return last.map(predicate) ?? false
            }
        } catch let timeout as PollTimeout {
            throw TestFailure("\(timeout); last status: \(String(describing: last?.services))\nlog:\n\(log.suffix(3000))")
        }
        return last!
    }

    @discardableResult
    func waitUntilAllHealthy(timeout: Duration = .seconds(60)) async throws -> StatusReport {
        try await waitFor("every service healthy", timeout: timeout) { report in
            report.services.allSatisfy { $0.healthy || $0.state == .unavailable }
        }
    }

    /// Processes whose command line mentions our state directory (every child does).
    func ourProcesses() -> [Int32] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return names.compactMap(Int32.init).filter { pid in
            guard ProcessTable.isAlive(pid) else { return false }
            // Redis rewrites its process title; its working directory still gives it away.
            return ProcessTable.commandLine(pid).joined(separator: " ").contains(root)
                || ProcessTable.workingDirectory(pid)?.hasPrefix(root) == true
        }
    }

    private func killLeftovers() {
        for pid in ourProcesses() where pid != getpid() { kill(pid, SIGKILL) }
    }

    // MARK: - Helpers

    func password(_ service: ServiceID) throws -> String {
        try String(contentsOfFile: "\(root)/secrets/\(service.rawValue).password", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs `psql` as the instance's application role over loopback TCP (SCRAM).
    @discardableResult
    func psql(_ instance: PostgresInstance, _ sql: String) throws -> String {
        let settings = config.postgres.instances[instance]!
        return try Self.shell(
            "psql -X -A -t -v ON_ERROR_STOP=1 'host=127.0.0.1 port=\(settings.port) user=\(settings.user) dbname=\(settings.database)' -c \"\(sql)\"",
            environment: ["PGPASSWORD": try password(instance.serviceID), "PGCONNECT_TIMEOUT": "5"])
    }

    /// Runs SQL in the instance's application database as the schema owner, the way a
    /// migration would (the app role may not create tables), granting the apps DML on `tables`.
    @discardableResult
    func ownerSQL(_ instance: PostgresInstance, _ sql: String, granting tables: [String] = []) throws -> String {
        let grants = tables.isEmpty ? "" : "; GRANT SELECT, INSERT, UPDATE, DELETE ON \(tables.joined(separator: ", ")) TO aegis_app"
        return try superuserSQL(
            instance, "SET ROLE aegis_owner; \(sql)\(grants)", database: config.postgres.instances[instance]!.database)
    }

    /// A libpq URL for the superuser over the instance's Unix socket (peer authentication maps
    /// the test's root to the service account, as it does for aegisd).
    func superuserURL(_ instance: PostgresInstance, database: String = "postgres") -> String {
        let port = config.postgres.instances[instance]!.port
        return "postgresql:///\(database)?host=\(root)/run/\(instance.serviceID.rawValue)&port=\(port)&user=\(config.daemon.user)"
    }

    /// Runs SQL as the superuser; returns the unaligned, tuples-only output.
    @discardableResult
    func superuserSQL(_ instance: PostgresInstance, _ sql: String, database: String = "postgres") throws -> String {
        try Self.shell("psql -X -A -t -v ON_ERROR_STOP=1 '\(superuserURL(instance, database: database))' -c \"\(sql)\"")
    }

    /// One redis-cli command over the Unix socket, as aegisd's admin user or an app's ACL user
    /// (the password via the environment, never argv).
    @discardableResult
    func redis(_ command: String, as app: PostgresInstance? = nil) throws -> String {
        let user = app.map(RedisACL.appUser) ?? RedisACL.adminUser
        let password = try String(
            contentsOfFile: app.map { "\(root)/secrets/redis-\($0.rawValue).password" } ?? "\(root)/secrets/redis.password",
            encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        return try Self.shell(
            "redis-cli -s '\(root)/run/redis/redis.sock' --user \(user) \(command)", environment: ["REDISCLI_AUTH": password])
    }

    /// Runs a shell command and returns its exit status and combined output, whatever the status.
    static func run(_ command: String, environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command + " 2>&1"]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    /// `aegisctl --socket <ours> ARGUMENTS`, with its status and output.
    func aegisctl(_ arguments: String) throws -> (status: Int32, output: String) {
        try Self.run("\(Self.aegisctl) --socket '\(config.daemon.socket)' \(arguments)")
    }

    @discardableResult
    static func shell(_ command: String, environment: [String: String] = [:]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestFailure("`\(command)` exited \(process.terminationStatus): \(output)")
        }
        return output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A directory the unprivileged service user can traverse (mkdtemp makes 0700).
    static func makeTemporaryDirectory(prefix: String) throws -> String {
        var template = Array("/tmp/\(prefix).XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw TestFailure("mkdtemp failed: errno \(errno)")
        }
        let path = String(cString: made)
        chmod(path, 0o755)
        return path
    }
}
