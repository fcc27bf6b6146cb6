import AegisCore
import AegisSystem
import Glibc

/// A Redis backup: a fresh RDB snapshot made by `BGSAVE SCHEDULE` (which waits for a running
/// AOF rewrite instead of failing), awaited through `INFO persistence`, then the RDB file
/// streamed. The key counts come from `INFO keyspace` just before the fork, so they describe
/// the snapshot up to the writes of that instant.
struct RedisSnapshotSource: BackupSource {
    let service = ServiceID.redis
    let socketPath: String
    let rdbPath: String
    let password: @Sendable () throws -> String
    /// How long a snapshot may take before the backup gives up.
    var saveTimeout: Duration = .seconds(3600)

    init(config: AegisConfig, password: @escaping @Sendable () throws -> String) {
        let renderer = RedisConfigRenderer(config: config)
        socketPath = renderer.socketPath
        rdbPath = "\(config.layout.dataDir(of: .redis))/dump.rdb"
        self.password = password
    }

    func stream(into sink: SinkHandoff) async throws -> BackupSourceFacts {
        let password = try password()
        let socketPath = socketPath
        let saveTimeout = saveTimeout
        let (version, counts) = try await runBlocking { () throws -> (String, [String: Int64]) in
            let client = try RedisClient(unixPath: socketPath, timeout: .seconds(10))
            try client.authenticate(user: RedisACL.adminUser, password: password)
            let before = try Self.info(client, "persistence")
            let savesBefore = Int(before["rdb_saves"] ?? "") ?? 0
            let server = try Self.info(client, "server")
            let counts = try Self.keyCounts(Self.info(client, "keyspace"))
            switch try client.command(["BGSAVE", "SCHEDULE"]) {
            case .simple: break
            case let other: throw BackupFailure("Redis BGSAVE: \(other)")
            }
            let deadline = ContinuousClock.now + saveTimeout
            while true {
                let now = try Self.info(client, "persistence")
                if now["rdb_bgsave_in_progress"] == "0", (Int(now["rdb_saves"] ?? "") ?? 0) > savesBefore {
                    guard now["rdb_last_bgsave_status"] == "ok" else {
                        throw BackupFailure("Redis could not write its snapshot (rdb_last_bgsave_status: "
                            + "\(now["rdb_last_bgsave_status"] ?? "?")); see the redis lines in the journal")
                    }
                    break
                }
                guard ContinuousClock.now < deadline else { throw BackupFailure("Redis did not finish its snapshot in time") }
                usleep(50_000)
            }
            return (server["redis_version"] ?? "", counts)
        }
        let rdbPath = rdbPath
        _ = try await runBlocking {
            // Opened after the save: Redis replaces dump.rdb by rename, so this descriptor keeps
            // the snapshot just made even if another save follows while it is read.
            let fd = open(rdbPath, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw SystemError.errno("cannot open \(rdbPath)") }
            return try DescriptorPump.copy(from: fd, closing: true, into: sink.sink, what: rdbPath)
        }
        return BackupSourceFacts(database: nil, serverVersion: version, rowCounts: counts)
    }

    /// `INFO section` as key → value.
    static func info(_ client: RedisClient, _ section: String) throws -> [String: String] {
        guard case .bulk(let text?) = try client.command(["INFO", section]) else {
            throw BackupFailure("Redis INFO \(section) gave no answer")
        }
        return RedisInfo.fields(text)
    }

    /// `db0:keys=3,expires=0,avg_ttl=0` → `["db0": 3]`.
    static func keyCounts(_ keyspace: [String: String]) -> [String: Int64] {
        keyspace.compactMapValues { value in
            value.split(separator: ",").first { $0.hasPrefix("keys=") }.flatMap { Int64($0.dropFirst(5)) }
        }
    }
}
