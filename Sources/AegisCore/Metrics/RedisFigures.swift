/// What aegisd reads from Redis (`INFO`) for `/metrics`.
public struct RedisFigures: Sendable, Equatable {
    public var usedMemoryBytes: Double
    /// `maxmemory`; 0 means no limit.
    public var maxMemoryBytes: Double
    public var connectedClients: Double
    public var blockedClients: Double
    /// Keys per database number (`db0` → 0), from the keyspace section.
    public var keysByDatabase: [Int: Double]
    public var expiredKeys: Double
    public var evictedKeys: Double
    public var rejectedConnections: Double
    public var commandsProcessed: Double
    public var rdbLastSaveAt: Double
    /// `rdb_last_bgsave_status:ok`.
    public var rdbLastSaveSucceeded: Bool
    public var aofEnabled: Bool
    /// `aof_last_write_status:ok`.
    public var aofLastWriteSucceeded: Bool

    public init(
        usedMemoryBytes: Double, maxMemoryBytes: Double, connectedClients: Double, blockedClients: Double,
        keysByDatabase: [Int: Double], expiredKeys: Double, evictedKeys: Double, rejectedConnections: Double,
        commandsProcessed: Double, rdbLastSaveAt: Double, rdbLastSaveSucceeded: Bool, aofEnabled: Bool,
        aofLastWriteSucceeded: Bool
    ) {
        self.usedMemoryBytes = usedMemoryBytes
        self.maxMemoryBytes = maxMemoryBytes
        self.connectedClients = connectedClients
        self.blockedClients = blockedClients
        self.keysByDatabase = keysByDatabase
        self.expiredKeys = expiredKeys
        self.evictedKeys = evictedKeys
        self.rejectedConnections = rejectedConnections
        self.commandsProcessed = commandsProcessed
        self.rdbLastSaveAt = rdbLastSaveAt
        self.rdbLastSaveSucceeded = rdbLastSaveSucceeded
        self.aofEnabled = aofEnabled
        self.aofLastWriteSucceeded = aofLastWriteSucceeded
    }

    /// Parses the text of `INFO` (all default sections); nil when a field `/metrics` needs is
    /// missing, so that a Redis that answers something else is reported, not shown as zeros.
    public static func parse(info text: String) -> RedisFigures? {
        let fields = RedisInfo.fields(text)
        func number(_ key: String) -> Double? { fields[key].flatMap(Double.init) }
        guard let used = number("used_memory"), let max = number("maxmemory"),
            let clients = number("connected_clients"), let blocked = number("blocked_clients"),
            let expired = number("expired_keys"), let evicted = number("evicted_keys"),
            let rejected = number("rejected_connections"), let commands = number("total_commands_processed"),
            let lastSave = number("rdb_last_save_time"), let bgsave = fields["rdb_last_bgsave_status"],
            let aof = number("aof_enabled"), let aofWrite = fields["aof_last_write_status"]
        else { return nil }
        var keys: [Int: Double] = [:]
        for (key, value) in fields where key.hasPrefix("db") {
            guard let database = Int(key.dropFirst(2)),
                let count = value.split(separator: ",").first(where: { $0.hasPrefix("keys=") }).flatMap({ Double($0.dropFirst(5)) })
            else { continue }
            keys[database] = count
        }
        return RedisFigures(
            usedMemoryBytes: used, maxMemoryBytes: max, connectedClients: clients, blockedClients: blocked,
            keysByDatabase: keys, expiredKeys: expired, evictedKeys: evicted, rejectedConnections: rejected,
            commandsProcessed: commands, rdbLastSaveAt: lastSave, rdbLastSaveSucceeded: bgsave == "ok",
            aofEnabled: aof == 1, aofLastWriteSucceeded: aofWrite == "ok")
    }
}
