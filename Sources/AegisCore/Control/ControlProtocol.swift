/// The control protocol between `aegisctl` and aegisd: one JSON object per line in each
/// direction over a Unix stream socket. Every message carries the protocol version `v` so that
/// a newer client talking to an older daemon gets a clear error instead of a misunderstanding.
public enum ControlProtocol {
    /// Bumped on any incompatible change of a request or reply.
    public static let version = 1
    /// Requests longer than this are refused without being parsed.
    public static let maxRequestBytes = 64 * 1024
}

/// A request as it travels on the socket: one flat JSON object, every field but `v` and
/// `command` optional. Clients and the daemon speak `ControlRequest`; `ControlCodec` turns one
/// into the other, and decides there every way a line can be wrong. Kept as the wire's shape so
/// that what older clients send still decodes.
public struct ControlRequestWire: Codable, Sendable, Equatable {
    public var v: Int
    public var command: ControlCommand
    public var service: String?
    /// For restore and verify: `latest` or a backup's file name.
    public var backup: String?
    /// For restore and verify: a file that the daemon opens itself, with its own permissions,
    /// holding the age identity that opens the backup. Kept for clients that send a path;
    /// `aegisctl` sends `identityKey` instead. Without either the daemon uses
    /// `<state_dir>/secrets/backup.agekey`.
    public var identity: String?
    /// For restore and verify: the text of an age identity file, read by the client with the
    /// caller's own permissions. The daemon holds it in memory for that one operation only and
    /// never logs, echoes or stores it.
    public var identityKey: SecretText?
    /// For connect-info: the app whose Redis user to describe (`backend`, `ai`, `executor`).
    public var app: String?
    /// For connect-info: include the password itself rather than its file.
    public var showSecrets: Bool?
    /// For logs: how many of the newest entries (`-n`).
    public var lines: Int?
    /// For logs: only entries numbered above this (`-f` asks for what came after what it printed).
    public var after: Int?
    /// For maintenance-run: the job's name (`aegisctl maintenance list` shows them).
    public var job: String?
    /// For pitr-backup: `full`, `diff` or `incr`.
    public var pitrType: String?
    /// For pitr-restore: the time to restore to, with its offset.
    public var toTime: String?
    /// For pitr-restore: restore to the end of the archived WAL.
    public var toLatest: Bool?
    /// For backups, restore and verify: the `[offsite]` store rather than the local backups.
    public var remote: Bool?
    /// For replication-bundle: the primary's name standbys dial (default: the host's name).
    public var host: String?
    /// For promote: promote although the lag is unknown.
    public var force: Bool?
    /// For replication-rejoin: the bundle the new primary made, read by the client with the
    /// caller's permissions. Held for that one operation; its credentials are stored in 0600
    /// files, never logged or echoed.
    public var bundle: SecretText?
    /// For replication-drop-slot: the slot's name.
    public var slot: String?

    enum CodingKeys: String, CodingKey {
        case v, command, service, backup, identity, app, lines, after, job, remote, host, force, bundle, slot
        case pitrType = "pitr_type"
        case toTime = "to_time"
        case toLatest = "to_latest"
        case showSecrets = "show_secrets"
        case identityKey = "identity_key"
    }

    public init(
        command: ControlCommand, service: String? = nil, backup: String? = nil, identity: String? = nil,
        identityKey: SecretText? = nil, app: String? = nil, showSecrets: Bool? = nil, lines: Int? = nil,
        after: Int? = nil, job: String? = nil, v: Int = ControlProtocol.version
    ) {
        self.job = job
        self.v = v
        self.command = command
        self.service = service
        self.backup = backup
        self.identity = identity
        self.identityKey = identityKey
        self.app = app
        self.showSecrets = showSecrets
        self.lines = lines
        self.after = after
    }
}

/// The commands of the control protocol, one per `aegisctl` action.
public enum ControlCommand: String, Codable, Sendable, CaseIterable {
    case status
    case start
    case stop
    case restart
    case version
    /// Back up `service`, or every enabled service when it is absent; answers when done.
    case backup
    /// List the backups of `service`, or of every service.
    case backups
    /// Replace `service`'s data with a backup (the previous data is kept aside).
    case restore
    /// Restore drill: restore a backup into a scratch copy and compare it with its manifest.
    case verify
    /// Re-read the configuration file and apply what changed (as SIGHUP does).
    case reload
    /// Every certificate of the built-in CA: subject, names, serial, expiry.
    case certsStatus = "certs-status"
    /// Re-issue every server and client certificate now (same CA) and reload the servers.
    case certsRotate = "certs-rotate"
    /// What an app needs to connect to `service`: host, port, user, TLS files, URL.
    case connectInfo = "connect-info"
    /// The newest entries of `service` from its in-memory ring (`lines`, or those after `after`).
    case logs
    /// The schema migrations of `service`, or of every PostgreSQL instance: applied, pending, refused.
    case migrateStatus = "migrate-status"
    /// What retention would remove from the backups of `service` (or every service), locally or
    /// in the `[offsite]` store (`remote`), and why each kept backup is kept. Removes nothing.
    case backupsPrune = "backups-prune"
    /// Sizes, connections, busiest tables, Redis memory and keys, Loki readiness.
    case stats
    /// The maintenance jobs, their schedules and last outcomes.
    case maintenanceList = "maintenance-list"
    /// Run the maintenance job `job` now; answers when it is done.
    case maintenanceRun = "maintenance-run"
    /// A pgBackRest base backup of `service` now (`pitr_type`: full, diff or incr).
    case pitrBackup = "pitr-backup"
    /// Point-in-time recovery of `service`, or of every PostgreSQL instance.
    case pitrStatus = "pitr-status"
    /// Restore `service` to `to_time`, or to the end of the archive (`to_latest`).
    case pitrRestore = "pitr-restore"
    /// The PITR drill of `service`: its newest base backup and WAL restored into a scratch
    /// directory, started there, checked, and removed.
    case pitrDrill = "pitr-drill"
    /// On a primary: what a standby needs to pair with it (CA, host, ports, replication
    /// credentials), as a secret JSON document; `host` overrides the host's name.
    case replicationBundle = "replication-bundle"
    /// On a standby: make `service` (or every service that follows the primary) a primary;
    /// refused while the lag is unknown unless `force`.
    case promote
    /// On a standby: copy `service` from the primary again (its data directory is kept aside).
    case replicationReseed = "replication-reseed"
    /// On an old primary after its standby was promoted: follow the primary `bundle` names,
    /// each PostgreSQL instance rewound with pg_rewind where it can be, copied again otherwise.
    case replicationRejoin = "replication-rejoin"
    /// On a primary: drop the inactive physical slot `slot` of `service`.
    case replicationDropSlot = "replication-drop-slot"
}

/// A reply as it travels on the socket: one flat JSON object with `ok`, an `error` when not
/// ok, and at most one payload field. The daemon and clients speak `ControlReply`; this is
/// kept as the wire's shape so that what older daemons send still decodes, and what older
/// clients expect is still sent.
public struct ControlReplyWire: Codable, Sendable, Equatable {
    public var v: Int
    public var ok: Bool
    public var error: ControlError?
    public var status: StatusReport?
    public var version: VersionInfo?
    public var message: String?
    public var backups: [BackupReport]?
    public var certificates: [CertificateStatus]?
    /// For connect-info: key → value (`host`, `port`, `user`, `url`, `sslrootcert`, …).
    public var connection: [String: String]?
    /// For logs: entries, oldest first.
    public var logs: [LogLineReport]?
    /// For migrate-status.
    public var migrations: [MigrationStatus]?
    /// For stats.
    public var stats: [ServiceStats]?
    /// For maintenance-list and maintenance-run.
    public var maintenance: [MaintenanceJobStatus]?
    /// For pitr-status and pitr-backup.
    public var pitr: [PITRStatus]?
    /// For replication-bundle: the bundle (JSON), a secret the client writes to a 0600 file.
    public var bundle: SecretText?
    /// For promote: each promoted service, with its new timeline.
    public var promotions: [PromotionReport]?
    /// For replication-rejoin: each service, rewound, re-seeded, following or failed.
    public var rejoin: [RejoinReport]?

    public init(v: Int = ControlProtocol.version, ok: Bool, error: ControlError? = nil, message: String? = nil) {
        self.v = v
        self.ok = ok
        self.error = error
        self.message = message
    }
}

/// Why a request failed. `code` is stable for scripts; `message` is for people.
public struct ControlError: Error, Codable, Sendable, Equatable {
    public enum Code: String, Codable, Sendable {
        /// The request was not valid JSON, too long, or missing a field.
        case badRequest = "bad_request"
        /// The request's protocol version is not one this daemon speaks.
        case unsupportedVersion = "unsupported_version"
        /// The named service does not exist or is not enabled.
        case unknownService = "unknown_service"
        /// The operation was understood but could not be carried out.
        case failed
        /// The peer is not root nor a member of the socket group.
        case permissionDenied = "permission_denied"
    }

    public var code: Code
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }
}

/// `aegisctl version`.
public struct VersionInfo: Codable, Sendable, Equatable {
    public var daemon: String
    public var protocolVersion: Int

    enum CodingKeys: String, CodingKey {
        case daemon
        case protocolVersion = "protocol"
    }

    public init(daemon: String, protocolVersion: Int = ControlProtocol.version) {
        self.daemon = daemon
        self.protocolVersion = protocolVersion
    }
}
