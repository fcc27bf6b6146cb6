/// One service's outcome of `aegisctl replication rejoin`.
public struct RejoinReport: Codable, Sendable, Equatable {
    /// How the service came to follow the new primary.
    public enum Outcome: String, Codable, Sendable, Equatable {
        /// PostgreSQL: `pg_rewind` brought the data directory back to the new primary's history.
        case rewound
        /// PostgreSQL: copied again with `pg_basebackup` (the previous data directory kept aside).
        case reseeded = "re-seeded"
        /// Redis: follows the new primary (`replicaof`; Redis copies what it must itself).
        case following
        /// A standby of the bundle's primary already: new credentials stored, the service restarted on them.
        case refreshed
        case failed
    }

    public var service: String
    public var outcome: Outcome
    /// What happened, for people: why a rewind was not possible, where the old data went.
    public var message: String

    public init(service: String, outcome: Outcome, message: String) {
        self.service = service
        self.outcome = outcome
        self.message = message
    }
}
