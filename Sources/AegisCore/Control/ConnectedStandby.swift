/// One standby connected to a primary.
public struct ConnectedStandby: Codable, Sendable, Equatable {
    /// Its `application_name` (a standby of aegisd's: its slot name), or Redis's replica address.
    public var name: String
    public var address: String?
    /// `pg_stat_replication.state` (`streaming`, `catchup`, …) or Redis's replica state.
    public var state: String
    /// `sync` when commits wait for it, else `async` (PostgreSQL only).
    public var syncState: String?
    /// The primary's current WAL position minus what the standby replayed (Redis: offsets).
    public var lagBytes: Int64?
    /// `pg_stat_replication.replay_lag`, in seconds (absent when idle).
    public var replayLagSeconds: Double?

    enum CodingKeys: String, CodingKey {
        case name, address, state
        case syncState = "sync_state"
        case lagBytes = "lag_bytes"
        case replayLagSeconds = "replay_lag_s"
    }

    public init(name: String, address: String?, state: String, syncState: String? = nil, lagBytes: Int64?, replayLagSeconds: Double? = nil) {
        self.name = name
        self.address = address
        self.state = state
        self.syncState = syncState
        self.lagBytes = lagBytes
        self.replayLagSeconds = replayLagSeconds
    }
}
