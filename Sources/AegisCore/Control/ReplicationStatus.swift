/// What `[replication]` looks like from one PostgreSQL instance or Redis, in `aegisctl status`.
///
/// On a standby, `lagBytes` is the WAL the primary last reported having (`latest_end_lsn` of
/// `pg_stat_wal_receiver`, the end of WAL the sender announced) minus what this standby has
/// received (`pg_last_wal_receive_lsn()`): what a failover now would lose, as far as the
/// standby can know. `lagSeconds` is 0 when everything received is replayed, else now minus
/// the commit time of the last replayed transaction (`pg_last_xact_replay_timestamp()`). Both
/// are absent (unknown) while no WAL receiver streams. Redis: the primary's replication offset
/// as last seen minus the replica's (`master_repl_offset` − `slave_repl_offset` of `INFO
/// replication`) and 0 seconds while the link is up; unknown while it is down.
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
