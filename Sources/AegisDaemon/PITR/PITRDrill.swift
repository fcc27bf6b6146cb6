import AegisCore
import AegisSystem
import Foundation
import Glibc
import Logging
import Synchronization

/// The PITR drill: the newest base backup and all archived WAL restored into a scratch data
/// directory, started as a temporary extra postmaster (Unix socket only, no TCP port; archiving
/// off, so it never writes into the repository), which must finish recovery and answer
/// queries; then it is stopped and the scratch directory removed. The live instance is not
/// touched.
struct PITRDrill: Sendable {
    let tool: PgBackRest
    let config: AegisConfig
    let account: ServiceAccount
    let logger: Logger

    var service: ServiceID { tool.service }
    var scratch: String { "\(config.layout.root)/pgbackrest-drill/\(service.rawValue)" }
    var dataDir: String { "\(scratch)/data" }
    var socketDir: String { "\(scratch)/run" }
    /// Names the socket file only: the scratch postmaster listens on no TCP address.
    var port: Int { config.postgres.instances[service.postgresInstance!]!.port }

    /// Recovery needs at least the live instance's max_connections (a hot-standby rule).
    var maxConnections: Int { config.postgres.instances[service.postgresInstance!]!.maxConnections }

    /// Runs the drill; returns what the restored copy holds, or throws what went wrong.
    func run(deadline: Duration) async throws -> String {
        // Our own scratch, left by a drill whose aegisd was killed: its postmaster first.
        await stopLeftoverPostmaster()
        try? FileManager.default.removeItem(atPath: scratch)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        try FileSystem.makeDirectory("\(config.layout.root)/pgbackrest-drill", mode: 0o755)
        try FileSystem.makeDirectory(scratch, mode: 0o700, owner: account)
        try FileSystem.makeDirectory(dataDir, mode: 0o700, owner: account)
        try FileSystem.makeDirectory(socketDir, mode: 0o700, owner: account)
        try await tool.run("restore", ["--pg1-path=\(dataDir)", "--archive-mode=off"], deadline: deadline)

        let restoreCommand = tool.renderer.drillRestoreCommand(dataDir: dataDir)
        let spec = LaunchSpec(
            executable: "\(config.postgres.binDir)/postgres",
            arguments: [
                "-D", dataDir, "-c", "port=\(port)", "-c", "listen_addresses=", "-c", "unix_socket_directories=\(socketDir)",
                "-c", "archive_mode=off", "-c", "restore_command=\(restoreCommand)", "-c", "shared_buffers=32MB",
                "-c", "max_connections=\(maxConnections)", "-c", "hba_file=\(config.layout.configDir(of: service))/pg_hba.conf",
                "-c", "ident_file=\(config.layout.configDir(of: service))/pg_ident.conf", "-c", "logging_collector=off",
                "-c", "ssl=off",
            ],
            workingDirectory: dataDir, account: account)
        let postmaster = Postmaster()
        let logger = logger
        let service = service
        return try await withThrowingTaskGroup(of: String?.self) { group in
            group.addTask {
                let status = try await ChildProcess.run(
                    spec, onLines: { _, lines in
                        postmaster.lines.withLock { $0 = Array(($0 + lines).suffix(20)) }
                        for line in lines { logger.debug("drill: \(line)", metadata: ["service": "\(service.rawValue)"]) }
                    },
                    onSpawn: { spawned in postmaster.pid.withLock { $0 = spawned } })
                postmaster.exited.withLock { $0 = true }
                if postmaster.stopping.withLock({ $0 }) { return nil }
                // PostgreSQL's reason, not its goodbye lines.
                let lines = postmaster.lines.withLock { $0 }
                let reasons = lines.filter { $0.contains("FATAL") || $0.contains("PANIC") || $0.contains("ERROR") }
                let tail = (reasons.isEmpty ? lines : reasons).suffix(3).joined(separator: " | ")
                throw SystemError("the scratch postmaster \(status) before the drill ended: \(tail)")
            }
            let answer: Result<String, any Error>
            do {
                answer = .success(try await query(deadline: deadline) { postmaster.exited.withLock { $0 } })
            } catch {
                answer = .failure(error)
            }
            // Stopped whatever the outcome: the task group cannot end while the postmaster runs.
            postmaster.stopping.withLock { $0 = true }
            if let pid = postmaster.pid.withLock({ $0 }) {
                ProcessTable.send(SIGINT, to: pid)  // fast shutdown
                let ended = ContinuousClock.now + .seconds(60)
                while ProcessTable.isAlive(pid), ContinuousClock.now < ended { try? await Task.sleep(for: .milliseconds(50)) }
                _ = await ProcessTable.killGroupAndWait(pid, timeout: .seconds(10))
            }
            _ = try await group.next()
            return try answer.get()
        }
    }

    /// A scratch postmaster a killed aegisd left running, recognized as the driver recognizes
    /// its own: the pid file's pid is a `postgres` working in the scratch data directory.
    private func stopLeftoverPostmaster() async {
        guard let text = try? FileSystem.read("\(dataDir)/postmaster.pid"),
              let pid = text.split(separator: "\n").first.flatMap({ Int32($0.trimmingCharacters(in: .whitespaces)) }),
              ProcessTable.isAlive(pid), ProcessTable.commandLine(pid).first?.hasSuffix("postgres") == true,
              ProcessTable.workingDirectory(pid) == dataDir
        else { return }
        logger.warning("stopping the scratch postmaster (pid \(pid)) of an interrupted PITR drill", metadata: ["service": "\(service.rawValue)"])
        _ = await ProcessTable.killGroupAndWait(pid, timeout: .seconds(10))
    }

    /// Waits until the copy has finished recovery and answers; returns what it holds.
    private func query(deadline: Duration, exited: @escaping @Sendable () -> Bool) async throws -> String {
        let parameters = [
            "host": socketDir, "port": String(port), "user": account.name, "dbname": "postgres",
            "application_name": "aegisd-pitr-drill",
        ]
        let end = ContinuousClock.now + deadline
        var last = "not started"
        while ContinuousClock.now < end, !exited() {
            do {
                let answer = try await runBlocking { () throws -> String? in
                    let connection = try PostgresConnection(parameters: parameters, timeout: .seconds(5))
                    let recovering = try connection.execute("SELECT pg_is_in_recovery()", timeout: .seconds(5)).first?.first ?? nil
                    guard recovering == "f" else { return nil }
                    let databases = try connection.execute(
                        "SELECT count(*) FROM pg_database WHERE NOT datistemplate", timeout: .seconds(5)).first?.first ?? nil
                    return "\(databases ?? "?") databases"
                }
                if let answer { return answer }
                last = "still recovering"
            } catch {
                last = "\(error)"
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw SystemError("the restored copy did not finish recovery and answer within \(deadline): \(last)")
    }
}

/// The scratch postmaster's pid, and whether its exit is expected.
private final class Postmaster: Sendable {
    let pid = Mutex<Int32?>(nil)
    let stopping = Mutex(false)
    let exited = Mutex(false)
    let lines = Mutex<[String]>([])
}
