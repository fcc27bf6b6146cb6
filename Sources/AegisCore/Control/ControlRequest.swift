/// What a client asks the daemon: one case per command, with what that command needs and
/// nothing else, so that the daemon never checks for a field another command would have sent.
/// On the socket it is a `ControlRequestWire` (`ControlCodec` converts, both ways).
public enum ControlRequest: Sendable, Equatable {
    case status
    case version
    case start(ServiceID)
    case stop(ServiceID)
    case restart(ServiceID)
    /// One service, or every enabled one; answers when done.
    case backup(ServiceID?)
    /// The backups of one service, or of every one.
    case backups(ServiceID?)
    /// The backups of one service in the `[offsite]` store (`backups` with `remote`).
    case remoteBackups(ServiceID)
    /// What retention would remove (and keep, and why), locally or in the `[offsite]` store.
    case prunePlan(ServiceID?, remote: Bool)
    /// Replace a service's data with a backup (the previous data is kept aside).
    case restore(RestoreTarget)
    /// Restore drill: a backup restored into a scratch copy and compared with its manifest.
    case verify(RestoreTarget)
    /// Re-read the configuration file and apply what changed (as SIGHUP does).
    case reload
    case certsStatus
    case certsRotate
    /// What an app needs to connect to a service; `app` picks a Redis user.
    case connectInfo(ServiceID, app: String?, showSecrets: Bool)
    /// The newest `last` entries of a service's ring, or those numbered after `after`.
    case logs(ServiceID, last: Int?, after: Int?)
    case migrateStatus(ServiceID?)
    case stats(ServiceID?)
    case maintenanceList
    case maintenanceRun(job: String)
    /// A pgBackRest base backup of one PostgreSQL instance now; answers when done.
    case pitrBackup(ServiceID, type: PITRBackupType)
    /// Base backups, WAL range, recoverable window and archive lag of one instance or of every one.
    case pitrStatus(ServiceID?)
    /// Restore one PostgreSQL instance to a point in time (the previous data directory is kept aside).
    case pitrRestore(ServiceID, to: PITRRestoreTarget)
    /// The PITR drill of one instance now: newest base backup + WAL into a scratch directory.
    case pitrDrill(ServiceID)
    /// A standby's pairing bundle, naming the primary `host` (nil: the host's name).
    case replicationBundle(host: String?)
    /// Promote one service of a standby, or every one that follows the primary.
    case promote(ServiceID?, force: Bool)
    /// Copy a standby's instance from the primary again.
    case replicationReseed(ServiceID)
    /// Make this old primary a standby of the primary a bundle names (`pg_rewind` where it can).
    /// The bundle is read by the client with the caller's permissions; held for this one
    /// operation, never logged or echoed (its credentials are stored 0600 under `secrets/`).
    case replicationRejoin(bundle: SecretText)
    /// Drop an inactive physical replication slot of one instance of a primary.
    case replicationDropSlot(ServiceID, slot: String)

    /// The command's name on the wire (`restart`, `certs-rotate`, …).
    public var command: ControlCommand {
        switch self {
        case .status: .status
        case .version: .version
        case .start: .start
        case .stop: .stop
        case .restart: .restart
        case .backup: .backup
        case .backups, .remoteBackups: .backups
        case .prunePlan: .backupsPrune
        case .restore: .restore
        case .verify: .verify
        case .reload: .reload
        case .certsStatus: .certsStatus
        case .certsRotate: .certsRotate
        case .connectInfo: .connectInfo
        case .logs: .logs
        case .migrateStatus: .migrateStatus
        case .stats: .stats
        case .maintenanceList: .maintenanceList
        case .maintenanceRun: .maintenanceRun
        case .pitrBackup: .pitrBackup
        case .pitrStatus: .pitrStatus
        case .pitrRestore: .pitrRestore
        case .pitrDrill: .pitrDrill
        case .replicationBundle: .replicationBundle
        case .promote: .promote
        case .replicationReseed: .replicationReseed
        case .replicationRejoin: .replicationRejoin
        case .replicationDropSlot: .replicationDropSlot
        }
    }

    /// The service the request names, if it names one.
    public var service: ServiceID? {
        switch self {
        case .start(let id), .stop(let id), .restart(let id), .connectInfo(let id, _, _), .logs(let id, _, _): id
        case .backup(let id), .backups(let id), .migrateStatus(let id), .stats(let id), .pitrStatus(let id), .promote(let id, _): id
        case .pitrBackup(let id, _), .pitrRestore(let id, _), .pitrDrill(let id), .replicationReseed(let id): id
        case .replicationDropSlot(let id, _): id
        case .remoteBackups(let id): id
        case .prunePlan(let id, _): id
        case .restore(let target), .verify(let target): target.service
        case .status, .version, .reload, .certsStatus, .certsRotate, .maintenanceList, .maintenanceRun, .replicationBundle, .replicationRejoin: nil
        }
    }

    /// The request as the wire carries it.
    public var wire: ControlRequestWire {
        var wire = ControlRequestWire(command: command, service: service?.rawValue)
        switch self {
        case .remoteBackups:
            wire.remote = true
        case .prunePlan(_, let remote):
            wire.remote = remote ? true : nil
        case .restore(let target), .verify(let target):
            wire.backup = target.backup
            wire.remote = target.remote ? true : nil
            switch target.identity {
            case .daemonDefault: break
            case .path(let path): wire.identity = path
            case .key(let key): wire.identityKey = key
            }
        case .connectInfo(_, let app, let showSecrets):
            wire.app = app
            wire.showSecrets = showSecrets ? true : nil
        case .logs(_, let last, let after):
            wire.lines = last
            wire.after = after
        case .maintenanceRun(let job):
            wire.job = job
        case .replicationBundle(let host):
            wire.host = host
        case .promote(_, let force):
            wire.force = force ? true : nil
        case .replicationRejoin(let bundle):
            wire.bundle = bundle
        case .replicationDropSlot(_, let slot):
            wire.slot = slot
        case .pitrBackup(_, let type):
            wire.pitrType = type.rawValue
        case .pitrRestore(_, let target):
            switch target {
            case .time(let text): wire.toTime = text
            case .latest: wire.toLatest = true
            }
        default:
            break
        }
        return wire
    }
}

/// Which backup a restore or drill takes, and what opens it.
public struct RestoreTarget: Sendable, Equatable {
    public var service: ServiceID
    /// `latest` or a backup's file name; nil means `latest`.
    public var backup: String?
    public var identity: IdentityInput
    /// Take the backup from the `[offsite]` store (streamed, never copied to disk first).
    public var remote: Bool

    public init(service: ServiceID, backup: String? = nil, identity: IdentityInput = .daemonDefault, remote: Bool = false) {
        self.service = service
        self.backup = backup
        self.identity = identity
        self.remote = remote
    }
}

/// Where the age identity that opens a backup comes from.
public enum IdentityInput: Sendable, Equatable {
    /// The daemon's own `<state_dir>/secrets/backup.agekey` (scheduled drills use it too).
    case daemonDefault
    /// A file the daemon opens itself, with its own permissions (what older clients send).
    case path(String)
    /// The identity itself, read by the client with the caller's permissions; held for this one
    /// operation only, never logged, echoed or stored.
    case key(SecretText)
}

/// The kind of a pgBackRest base backup.
public enum PITRBackupType: String, Sendable, Equatable, CaseIterable {
    /// Everything.
    case full
    /// What changed since the last full backup.
    case diff
    /// What changed since the last backup of any kind.
    case incr
}

/// Where a point-in-time restore goes.
public enum PITRRestoreTarget: Sendable, Equatable {
    /// A time with its offset, as the operator wrote it (`2026-12-01 10:42:00+00`).
    case time(String)
    /// The end of the archived WAL.
    case latest
}
