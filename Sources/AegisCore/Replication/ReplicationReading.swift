/// One reading of an instance's or Redis's replication: its role and figures, from the rows and
/// INFO fields aegisd asks for (`ReplicationQueries`). Pure, so the arithmetic is table-tested.
public struct ReplicationReading: Sendable, Equatable {
    /// `primary` or `standby`, as the server itself says (`pg_is_in_recovery()`, Redis `role`).
    public var role: String
    public var lagBytes: Int64?
    public var lagSeconds: Double?
    public var detail: ReplicationStatus

    public init(role: String, lagBytes: Int64? = nil, lagSeconds: Double? = nil, detail: ReplicationStatus = ReplicationStatus()) {
        self.role = role
        self.lagBytes = lagBytes
        self.lagSeconds = lagSeconds
        self.detail = detail
    }

    /// A standby's reading from `ReplicationQueries.standby`'s one row: the WAL receiver's
    /// status, the primary's reported end minus the received position, received minus replayed,
    /// and the replay delay. Unknown (nil) while no receiver streams.
    public static func postgresStandby(_ row: [String?]) -> ReplicationReading {
        func number(_ index: Int) -> Int64? { row.count > index ? row[index].flatMap { Int64($0) } : nil }
        let status = row.first ?? nil
        let streaming = status == "streaming"
        let pending = number(2).map { max(0, $0) }
        var seconds: Double? = nil
        if streaming, row.count > 3 {
            seconds = pending == 0 ? 0 : row[3].flatMap(Double.init).map { max(0, $0) }
        }
        return ReplicationReading(
            role: "standby", lagBytes: streaming ? number(1).map { max(0, $0) } : nil, lagSeconds: seconds,
            detail: ReplicationStatus(streaming: streaming, replayPendingBytes: pending))
    }

    /// A primary's reading from `ReplicationQueries.standbys` and `.slots` rows.
    public static func postgresPrimary(standbys: [[String?]], slots: [[String?]]) -> ReplicationReading {
        func field(_ row: [String?], _ index: Int) -> String? { row.count > index ? row[index] : nil }
        let connected = standbys.map { row in
            ConnectedStandby(
                name: field(row, 0) ?? "", address: field(row, 1), state: field(row, 2) ?? "unknown", syncState: field(row, 3),
                lagBytes: field(row, 4).flatMap { Int64($0) }, replayLagSeconds: field(row, 5).flatMap(Double.init))
        }
        let slotStatuses = slots.map { row in
            ReplicationSlotStatus(
                name: field(row, 0) ?? "", active: field(row, 1) == "t", walStatus: field(row, 2) ?? "lost",
                retainedBytes: field(row, 3).flatMap { Int64($0) })
        }
        return ReplicationReading(role: "primary", detail: ReplicationStatus(standbys: connected, slots: slotStatuses))
    }

    /// Redis's reading from the fields of `INFO replication`.
    public static func redis(_ info: [String: String]) -> ReplicationReading {
        if info["role"] == "slave" {
            let up = info["master_link_status"] == "up"
            let primaryOffset = info["master_repl_offset"].flatMap { Int64($0) }
            let ownOffset = info["slave_repl_offset"].flatMap { Int64($0) }
            let lag = up ? zip2(primaryOffset, ownOffset).map { max(0, $0 - $1) } : nil
            let seconds = up ? 0 : info["master_last_io_seconds_ago"].flatMap(Double.init).flatMap { $0 < 0 ? nil : $0 }
            return ReplicationReading(role: "standby", lagBytes: lag, lagSeconds: up ? seconds : nil, detail: ReplicationStatus(streaming: up))
        }
        let count = info["connected_slaves"].flatMap(Int.init) ?? 0
        let offset = info["master_repl_offset"].flatMap { Int64($0) }
        let replicas = (0..<count).compactMap { index -> ConnectedStandby? in
            // slave0:ip=127.0.0.1,port=6380,state=online,offset=1234,lag=0
            guard let text = info["slave\(index)"] else { return nil }
            var fields: [String: String] = [:]
            for pair in text.split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
            }
            let address = fields["ip"].map { ip in fields["port"].map { "\(ip):\($0)" } ?? ip }
            return ConnectedStandby(
                name: address ?? "replica \(index)", address: address, state: fields["state"] ?? "unknown",
                lagBytes: zip2(offset, fields["offset"].flatMap { Int64($0) }).map { max(0, $0 - $1) })
        }
        return ReplicationReading(role: "primary", detail: ReplicationStatus(standbys: replicas))
    }

    private static func zip2(_ a: Int64?, _ b: Int64?) -> (Int64, Int64)? {
        guard let a, let b else { return nil }
        return (a, b)
    }
}

/// The SQL aegisd reads replication with, as the superuser.
public enum ReplicationQueries {
    /// Whether the server is a standby.
    public static let inRecovery = "SELECT pg_is_in_recovery()"
    /// A standby: receiver status; the primary's reported WAL end − received; received −
    /// replayed; seconds since the last replayed commit.
    public static let standby = """
        SELECT r.status,
               pg_wal_lsn_diff(r.latest_end_lsn, pg_last_wal_receive_lsn())::bigint,
               pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())::bigint,
               EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())::float8
        FROM (SELECT 1) AS one LEFT JOIN pg_stat_wal_receiver r ON true
        """
    /// A primary: its connected standbys.
    public static let standbys = """
        SELECT application_name, client_addr::text, state, sync_state,
               pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint, EXTRACT(EPOCH FROM replay_lag)::float8
        FROM pg_stat_replication ORDER BY application_name
        """
    /// A primary: its physical slots, the WAL each holds back.
    public static let slots = """
        SELECT slot_name, active, coalesce(wal_status, 'lost'), pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint
        FROM pg_replication_slots WHERE slot_type = 'physical' ORDER BY slot_name
        """
}
