import AegisCore
import AegisSystem
import Synchronization

/// A dump of one PostgreSQL database by `pg_dump` (plain format, its own consistent snapshot).
/// The manifest's row counts are counted in the dump stream itself as it passes
/// (`DumpRowCounter`), so they describe exactly what was dumped, which is what a restore drill
/// compares against, at the cost of a newline scan instead of a second scan of every table.
struct PostgresDumpSource: BackupSource {
    let service: ServiceID
    let binDir: String
    let socketDir: String
    let port: Int
    let database: String
    let account: ServiceAccount
    let lockWaitTimeoutS: Int

    init(instance: PostgresInstance, config: AegisConfig, account: ServiceAccount) {
        let settings = config.postgres.instances[instance]!
        service = instance.serviceID
        binDir = config.postgres.binDir
        socketDir = config.layout.runDir(of: instance.serviceID)
        port = settings.port
        database = settings.database
        self.account = account
        lockWaitTimeoutS = config.backup.lockWaitTimeoutS
    }

    /// Connection keywords for the superuser over the Unix socket (peer authentication).
    func connectionParameters(database: String, application: String) -> [String: String] {
        ["host": socketDir, "port": String(port), "user": account.name, "dbname": database,
         "application_name": application]
    }

    func stream(into sink: SinkHandoff) async throws -> BackupSourceFacts {
        let pipe = try ChildProcess.makePipe()
        // pg_dump writes in small pieces; a 1 MiB pipe lets it run ahead of the pump.
        ChildProcess.growPipe(pipe.write, to: 1 << 20)
        let stderr = Mutex<[String]>([])
        let spec = LaunchSpec(
            executable: "\(binDir)/pg_dump",
            arguments: [
                "--host", socketDir, "--port", String(port), "--username", account.name, "--dbname", database,
                "--no-password", "--lock-wait-timeout", "\(lockWaitTimeoutS)s",
            ],
            environment: LaunchSpec.baseEnvironment.merging(["PGAPPNAME": "aegisd-backup"]) { $1 },
            workingDirectory: "/", account: account)

        let counting = DumpCountingSink(next: sink.sink)
        let handoff = SinkHandoff(counting)
        async let pumped = runBlocking {
            try DescriptorPump.copy(from: pipe.read, closing: true, into: handoff.sink, what: "pg_dump's output")
        }
        let status = try await ChildProcess.run(
            spec, rawStdout: pipe.write,
            onLines: { _, lines in stderr.withLock { $0 += lines.prefix(max(0, 20 - $0.count)) } },
            onSpawn: { _ in })
        // The pump's error (a full disk) explains a pg_dump killed by EPIPE better than its status.
        _ = try await pumped
        guard status == .exited(0) else {
            let said = stderr.withLock { $0 }.joined(separator: " | ")
            throw BackupFailure("pg_dump \(status)" + (said.isEmpty ? "" : ": \(said)"))
        }
        // The pump is done with the sink: reading the counter here races with nothing.
        let counted: (rowCounts: [String: Int64], serverVersion: String)
        do { counted = try counting.counter.finish() } catch { throw BackupFailure("\(error)") }
        return BackupSourceFacts(database: database, serverVersion: counted.serverVersion, rowCounts: counted.rowCounts)
    }
}
