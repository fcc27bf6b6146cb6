/// What `[replication]` looks like from one PostgreSQL instance or Redis, in `aegisctl status`.
///
/// On a standby, `lagBytes` is the WAL the primary last reported having (`latest_end_lsn` of
/// `pg_stat_wal_receiver`, the end of WAL the sender announced) minus what this standby has
/// received (`pg_last_wal_receive_lsn()`): what a failover now would lose, as far as the
/// standby can know. `lagSeconds` is 0 when everything received is replayed, else now minus
/// the commit time of the last replayed transaction (`pg_last_xact_replay_timestamp()`). Both
/// are absent (unknown) while no WAL receiver streams. Redis: the primary's replication offset
/// as last seen minus the replica's (`master_repl_offset` − `slave_repl_offset` of `INFO
/// replication`); seconds since the last interaction with the primary while the link is down.
public struct ReplicationStatus: Codable, Sendable, Equatable {
    /// On a standby: whether it streams from the primary now (a WAL receiver in `streaming`,
    /// Redis `master_link_status:up`).
    public var streaming: Bool?
    /// On a standby: the WAL received but not replayed yet, in bytes.
    public var replayPendingBytes: Int64?
    /// On a standby, during its first start: the copy from the primary, as pg_basebackup reports it.
    public var seeding: String?
    /// On a primary: the standbys connected now (`pg_stat_replication`, Redis `connected_slaves`).
    public var standbys: [ConnectedStandby]?
    /// On a primary: the physical replication slots and their WAL state.
    public var slots: [ReplicationSlotStatus]?
    /// Why the figures could not be read (the service is then still reported).
    public var error: String?

    enum CodingKeys: String, CodingKey {
        case streaming, seeding, standbys, slots, error
        case replayPendingBytes = "replay_pending_bytes"
    }

    public init(
        streaming: Bool? = nil, replayPendingBytes: Int64? = nil, seeding: String? = nil, standbys: [ConnectedStandby]? = nil,
        slots: [ReplicationSlotStatus]? = nil, error: String? = nil
    ) {
        self.streaming = streaming
        self.replayPendingBytes = replayPendingBytes
        self.seeding = seeding
        self.standbys = standbys
        self.slots = slots
        self.error = error
    }
}

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

/// One physical replication slot on a primary.
public struct ReplicationSlotStatus: Codable, Sendable, Equatable {
    public var name: String
    public var active: Bool
    /// `pg_replication_slots.wal_status`: `reserved`, `extended`, `unreserved` or `lost` (the
    /// standby fell behind `max_slot_wal_keep_size` and must be copied again).
    public var walStatus: String
    /// WAL the slot holds back on the primary's disk, in bytes.
    public var retainedBytes: Int64?

    enum CodingKeys: String, CodingKey {
        case name, active
        case walStatus = "wal_status"
        case retainedBytes = "retained_bytes"
    }

    public init(name: String, active: Bool, walStatus: String, retainedBytes: Int64?) {
        self.name = name
        self.active = active
        self.walStatus = walStatus
        self.retainedBytes = retainedBytes
    }

    /// The slot can no longer serve its standby.
    public var isLost: Bool { walStatus == "lost" }
}
