#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What `pgbackrest info --output=json` says about one stanza: its base backups and the WAL
/// archived. Only the fields aegisd uses are read; pgBackRest adds fields freely.
public struct PgBackRestInfo: Sendable, Equatable {
    /// One base backup.
    public struct Backup: Sendable, Equatable, Codable {
        /// pgBackRest's label, `20261201-011500F` (F full, D diff, I incr).
        public var label: String
        /// `full`, `diff` or `incr`.
        public var type: String
        /// When the backup began and ended (seconds since the epoch). The data is consistent
        /// from `stop` on: that is the earliest time it can restore to.
        public var startedAt: Int64
        public var stoppedAt: Int64
        /// The database's size and what the repository holds for it (compressed, this backup only).
        public var databaseBytes: Int64?
        public var repositoryBytes: Int64?
        /// The first and last WAL segment this backup needs.
        public var walStart: String?
        public var walStop: String?
        public var error: Bool

        public init(label: String, type: String, startedAt: Int64, stoppedAt: Int64, databaseBytes: Int64? = nil,
                    repositoryBytes: Int64? = nil, walStart: String? = nil, walStop: String? = nil, error: Bool = false) {
            self.label = label
            self.type = type
            self.startedAt = startedAt
            self.stoppedAt = stoppedAt
            self.databaseBytes = databaseBytes
            self.repositoryBytes = repositoryBytes
            self.walStart = walStart
            self.walStop = walStop
            self.error = error
        }
    }

    public var stanza: String
    /// Oldest first.
    public var backups: [Backup]
    /// The oldest and newest WAL segment in the archive (of the current database), if any.
    public var walMin: String?
    public var walMax: String?
    /// pgBackRest's status: 0 ok; otherwise `statusMessage` says what is wrong (no backups, missing stanza).
    public var statusCode: Int
    public var statusMessage: String

    public init(stanza: String, backups: [Backup], walMin: String?, walMax: String?, statusCode: Int = 0,
                statusMessage: String = "ok") {
        self.stanza = stanza
        self.backups = backups
        self.walMin = walMin
        self.walMax = walMax
        self.statusCode = statusCode
        self.statusMessage = statusMessage
    }

    /// Parses the JSON of `pgbackrest --stanza=S info --output=json` (an array of stanzas) and
    /// returns the stanza named `stanza`.
    public static func parse(_ json: String, stanza: String) throws(PgBackRestInfoError) -> PgBackRestInfo {
        let stanzas: [RawStanza]
        do {
            stanzas = try JSONDecoder().decode([RawStanza].self, from: Data(json.utf8))
        } catch {
            throw PgBackRestInfoError("pgbackrest info did not print the JSON expected: \(error)")
        }
        guard let raw = stanzas.first(where: { $0.name == stanza }) else {
            throw PgBackRestInfoError("pgbackrest info knows no stanza \(stanza)")
        }
        let backups = (raw.backup ?? []).map {
            Backup(
                label: $0.label, type: $0.type, startedAt: $0.timestamp.start, stoppedAt: $0.timestamp.stop,
                databaseBytes: $0.info?.size, repositoryBytes: $0.info?.repository?.delta,
                walStart: $0.archive?.start, walStop: $0.archive?.stop, error: $0.error ?? false)
        }.sorted { $0.stoppedAt < $1.stoppedAt }
        // Several archive ids appear after a PostgreSQL upgrade; the last is the current one.
        let archive = raw.archive?.last
        return PgBackRestInfo(
            stanza: stanza, backups: backups, walMin: archive?.min, walMax: archive?.max,
            statusCode: raw.status?.code ?? 0, statusMessage: raw.status?.message ?? "ok")
    }

    /// The oldest backup that restores cleanly: recovery can begin at its end.
    public var earliestRecoverable: Int64? {
        backups.first { !$0.error }?.stoppedAt
    }

    /// The newest good full backup's end, for the age figures.
    public var newestBackup: Backup? { backups.last { !$0.error } }

    private struct RawStanza: Decodable {
        var name: String
        var backup: [RawBackup]?
        var archive: [RawArchive]?
        var status: RawStatus?
    }

    private struct RawBackup: Decodable {
        var label: String
        var type: String
        var timestamp: RawTimestamp
        var info: RawSizes?
        var archive: RawRange?
        var error: Bool?
    }

    private struct RawTimestamp: Decodable {
        var start: Int64
        var stop: Int64
    }

    private struct RawSizes: Decodable {
        var size: Int64?
        var repository: RawRepository?
    }

    private struct RawRepository: Decodable {
        var delta: Int64?
    }

    private struct RawRange: Decodable {
        var start: String?
        var stop: String?
    }

    private struct RawArchive: Decodable {
        var min: String?
        var max: String?
    }

    private struct RawStatus: Decodable {
        var code: Int
        var message: String
    }
}

/// `pgbackrest info`'s output could not be understood.
public struct PgBackRestInfoError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
