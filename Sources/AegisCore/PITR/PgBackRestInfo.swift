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
        /// The repository that holds it (pgBackRest's `repo-key`: 1 local, 2 object storage);
        /// nil in what older releases stored, which had repository 1 only.
        public var repo: Int?

        public init(label: String, type: String, startedAt: Int64, stoppedAt: Int64, databaseBytes: Int64? = nil,
                    repositoryBytes: Int64? = nil, walStart: String? = nil, walStop: String? = nil, error: Bool = false,
                    repo: Int? = nil) {
            self.label = label
            self.type = type
            self.startedAt = startedAt
            self.stoppedAt = stoppedAt
            self.databaseBytes = databaseBytes
            self.repositoryBytes = repositoryBytes
            self.walStart = walStart
            self.walStop = walStop
            self.error = error
            self.repo = repo
        }
    }

    /// What one repository holds for the stanza, and whether pgBackRest could read it.
    public struct Repository: Sendable, Equatable {
        /// 1 or 2.
        public var key: Int
        /// pgBackRest's status of this repository: 0 ok, 2 no backup yet, 99 unreachable…
        public var statusCode: Int
        public var statusMessage: String
        /// The oldest and newest WAL segment archived there (of the current database).
        public var walMin: String?
        public var walMax: String?

        public init(key: Int, statusCode: Int = 0, statusMessage: String = "ok", walMin: String? = nil, walMax: String? = nil) {
            self.key = key
            self.statusCode = statusCode
            self.statusMessage = statusMessage
            self.walMin = walMin
            self.walMax = walMax
        }

        /// pgBackRest could read the repository (a stanza without a backup yet is readable).
        public var readable: Bool { statusCode == 0 || statusCode == 2 }
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
    /// Each repository, by key.
    public var repositories: [Repository]

    public init(stanza: String, backups: [Backup], walMin: String?, walMax: String?, statusCode: Int = 0,
                statusMessage: String = "ok", repositories: [Repository] = []) {
        self.stanza = stanza
        self.repositories = repositories
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
                walStart: $0.archive?.start, walStop: $0.archive?.stop, error: $0.error ?? false, repo: $0.database?.repoKey)
        }.sorted { $0.stoppedAt < $1.stoppedAt }
        // One archive entry per repository and database; a PostgreSQL upgrade adds a database
        // (a higher id): the current one is each repository's highest.
        var current: [Int: RawArchive] = [:]
        for (index, archive) in (raw.archive ?? []).enumerated() {
            let key = archive.database?.repoKey ?? 1
            let id = archive.database?.id ?? index
            if let held = current[key], (held.database?.id ?? -1) > id { continue }
            current[key] = archive
        }
        let keys = Set((raw.repo ?? []).map(\.key)).union(current.keys).sorted()
        let repositories = keys.map { key in
            let status = raw.repo?.first { $0.key == key }?.status
            return Repository(
                key: key, statusCode: status?.code ?? 0, statusMessage: status?.message ?? "ok",
                walMin: current[key]?.min, walMax: current[key]?.max)
        }
        return PgBackRestInfo(
            stanza: stanza, backups: backups, walMin: repositories.compactMap(\.walMin).min(),
            walMax: repositories.compactMap(\.walMax).max(),
            statusCode: raw.status?.code ?? 0, statusMessage: raw.status?.message ?? "ok", repositories: repositories)
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
        var repo: [RawRepo]?
    }

    private struct RawRepo: Decodable {
        var key: Int
        var status: RawStatus?
    }

    private struct RawDatabase: Decodable {
        var id: Int?
        var repoKey: Int?

        enum CodingKeys: String, CodingKey {
            case id
            case repoKey = "repo-key"
        }
    }

    private struct RawBackup: Decodable {
        var label: String
        var type: String
        var timestamp: RawTimestamp
        var info: RawSizes?
        var archive: RawRange?
        var error: Bool?
        var database: RawDatabase?
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
        var database: RawDatabase?
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
