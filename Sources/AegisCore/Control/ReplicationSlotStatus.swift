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
