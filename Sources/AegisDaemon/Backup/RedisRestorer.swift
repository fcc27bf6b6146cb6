import AegisCore
import AegisSystem
import Foundation
import Glibc

/// Restores a Redis snapshot: the file is authenticated completely first; then Redis is
/// stopped, its current RDB and AOF directory are kept aside under `.pre_restore_<time>`
/// names, the snapshot becomes `dump.rdb`, and Redis starts again.
///
/// With AOF on, Redis 7 would start from an empty AOF and ignore the RDB. So a marker file
/// makes that one start run with AOF off (Redis loads the RDB), then `CONFIG SET appendonly
/// yes` has Redis write a new AOF from the restored data, and the marker goes. If aegisd or
/// Redis dies in between, the marker is still there and the next start loads the RDB again.
struct RedisRestorer: Sendable {
    let dataDir: String
    let account: ServiceAccount
    let renderer: RedisConfigRenderer
    let appendonly: Bool
    let password: @Sendable () throws -> String

    init(config: AegisConfig, account: ServiceAccount, password: @escaping @Sendable () throws -> String) {
        dataDir = config.layout.dataDir(of: .redis)
        self.account = account
        renderer = RedisConfigRenderer(config: config)
        appendonly = config.redis.appendonly
        self.password = password
    }

    var rdbPath: String { "\(dataDir)/dump.rdb" }
    var aofPath: String { "\(dataDir)/appendonlydir" }

    /// Returns the names the previous files are kept under.
    func restore(_ selection: BackupSelection, supervisor: any BackupSupervision, now: UTCTimestamp, timeout: Duration) async throws -> [String] {
        try await selection.authenticate()
        // Decompressed next to the target before Redis stops, so Redis is down only for renames.
        let incoming = "\(dataDir)/.dump.rdb.restore"
        try await writeFile(selection, to: incoming)
        defer { FileSystem.remove(incoming) }

        await supervisor.stop(.redis)
        await supervisor.waitUntil([.redis], timeout: timeout) { $0.pid == nil && $0.state != .starting }
        let suffix = ".pre_restore_\(now.fileStamp)"
        var kept: [String] = []
        for path in [rdbPath, aofPath] where FileSystem.exists(path) {
            guard rename(path, path + suffix) == 0 else { throw SystemError.errno("cannot keep \(path) aside") }
            kept.append((path + suffix as NSString).lastPathComponent)
        }
        guard rename(incoming, rdbPath) == 0 else {
            let failure = SystemError.errno("cannot move the restored snapshot into place")
            for name in kept { rename("\(dataDir)/\(name)", "\(dataDir)/\(name)".replacingOccurrences(of: suffix, with: "")) }
            await supervisor.start(.redis)
            throw failure
        }
        if appendonly {
            try FileSystem.writeAtomically(renderer.restorePendingMarker, contents: "\(now)\n", mode: 0o600)
        }
        FileSystem.syncDirectory(of: rdbPath)
        await supervisor.start(.redis)
        await supervisor.waitUntil([.redis], timeout: timeout) { $0.isSettledAfterStart }
        guard await supervisor.serviceStatus(.redis)?.healthy == true else {
            throw BackupFailure("Redis did not come back healthy after the restore; the previous data is kept as \(kept.joined(separator: ", "))")
        }
        if appendonly { try await rebuildAppendOnlyFile(timeout: timeout) }
        return kept
    }

    /// Turns AOF back on at runtime; Redis rewrites it from the loaded data. Only when the
    /// rewrite has succeeded does the marker go, so every later start replays the new AOF.
    private func rebuildAppendOnlyFile(timeout: Duration) async throws {
        let socket = renderer.socketPath
        let password = try password()
        try await runBlocking {
            let client = try RedisClient(unixPath: socket, timeout: .seconds(10))
            try client.authenticate(user: RedisACL.adminUser, password: password)
            guard case .simple = try client.command(["CONFIG", "SET", "appendonly", "yes"]) else {
                throw BackupFailure("Redis refused CONFIG SET appendonly yes after the restore")
            }
            let deadline = ContinuousClock.now + timeout
            while true {
                let info = try RedisSnapshotSource.info(client, "persistence")
                if info["aof_enabled"] == "1", info["aof_rewrite_in_progress"] == "0", info["aof_rewrite_scheduled"] == "0" {
                    guard info["aof_last_bgrewrite_status"] == "ok" else {
                        throw BackupFailure("Redis could not write the new AOF (aof_last_bgrewrite_status: \(info["aof_last_bgrewrite_status"] ?? "?"))")
                    }
                    break
                }
                guard ContinuousClock.now < deadline else { throw BackupFailure("Redis did not finish writing its AOF in time") }
                usleep(50_000)
            }
        }
        FileSystem.remove(renderer.restorePendingMarker)
        FileSystem.syncDirectory(of: renderer.restorePendingMarker)
    }

    /// Restore drill for Redis: the snapshot, decompressed to a scratch file, must pass Redis's
    /// own checker, `redis-check-rdb`, which parses every key.
    func drill(_ selection: BackupSelection, checker: String) async throws -> [String] {
        try await selection.authenticate()
        let scratch = "\(dataDir)/.dump.rdb.verify"
        try await writeFile(selection, to: scratch)
        defer { FileSystem.remove(scratch) }
        let result = try await ChildProcess.output(
            of: LaunchSpec(executable: checker, arguments: [scratch], workingDirectory: "/", account: account))
        return result.status == .exited(0) ? [] : ["redis-check-rdb \(result.status): " + result.lines.suffix(3).joined(separator: " | ")]
    }

    /// The snapshot, decompressed into `path`, fsynced, owned by the service account.
    private func writeFile(_ selection: BackupSelection, to path: String) async throws {
        FileSystem.remove(path)
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SystemError.errno("cannot create \(path)") }
        if account.switchesUser { fchown(fd, account.uid, account.gid) }
        let syncing = dup(fd)
        try await selection.stream(into: fd, what: path)
        defer { close(syncing) }
        guard fsync(syncing) == 0 else { throw SystemError.errno("fsync \(path)") }
    }
}
