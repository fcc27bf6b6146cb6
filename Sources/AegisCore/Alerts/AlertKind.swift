/// The alerts aegisd raises itself (in journald), for hosts without Prometheus: the same
/// conditions, names and severities as `config/prometheus/aegisd-alerts.yml`. Each kind has a
/// stable `MESSAGE_ID` with an entry in `systemd/aegisd.catalog` for `journalctl -x`.
public enum AlertKind: String, Sendable, CaseIterable, Codable {
    case serviceFailed = "AegisServiceFailed"
    case serviceDown = "AegisServiceDown"
    case restartStorm = "AegisRestartStorm"
    case healthCheckSlow = "AegisHealthCheckSlow"
    case backupFailed = "AegisBackupFailed"
    case backupMissing = "AegisBackupMissing"
    case backupDrillStale = "AegisBackupDrillStale"
    case backupDrillFailed = "AegisBackupDrillFailed"
    case backupOffsiteStale = "AegisBackupOffsiteStale"
    case certificateExpiring = "AegisCertificateExpiring"
    case diskSpaceLow = "AegisDiskSpaceLow"
    case diskFillingUp = "AegisDiskFillingUp"
    case logLinesDropped = "AegisLogLinesDropped"
    case postgresXidAgeHigh = "AegisPostgresXidAgeHigh"
    case postgresConnectionsNearMax = "AegisPostgresConnectionsNearMax"
    case redisMemoryNearMax = "AegisRedisMemoryNearMax"
    case redisPersistenceFailing = "AegisRedisPersistenceFailing"
    case databaseFiguresFailing = "AegisDatabaseFiguresFailing"
    case pitrArchiveFailing = "AegisPITRArchiveFailing"
    case pitrBaseBackupStale = "AegisPITRBaseBackupStale"
    case pitrStanzaNotReady = "AegisPITRStanzaNotReady"
    case pitrRepositoryFailing = "AegisPITRRepositoryFailing"
    case replicationStandbyDisconnected = "AegisReplicationStandbyDisconnected"
    case replicationLagHigh = "AegisReplicationLagHigh"
    case replicationSlotLost = "AegisReplicationSlotLost"

    /// journald's `MESSAGE_ID` (128 bits, lower-case hex): never changes for a kind.
    public var messageID: String {
        switch self {
        case .serviceFailed: "a6348e87981c49658a18442597f6cb3c"
        case .serviceDown: "0efc57b9da9c43a7a89a766d1741bc9e"
        case .restartStorm: "2bfb3ba934d34777be47855ef2266311"
        case .healthCheckSlow: "9276543795224368871a322c502d1ba0"
        case .backupFailed: "c459ea94b3194326b1ae146ccaa86201"
        case .backupMissing: "b84448f9edef4f12b0fa1c719e0de96c"
        case .backupDrillStale: "f5f7064d2ed64545b21c22f3b5b23c93"
        case .backupDrillFailed: "96b5ce320d614eaf99e0807c3600adda"
        case .backupOffsiteStale: "71add8eea0de4a5cb43cd9e62d5f3d61"
        case .certificateExpiring: "812e74352a8441d2a6f08109fa3cdc0c"
        case .diskSpaceLow: "2364644510804e709082ef1ee0a66aa3"
        case .diskFillingUp: "6fb6ba20ca2d4b748644b4d0366dcebb"
        case .logLinesDropped: "573188b6d8a9420f8c83b646e429339d"
        case .postgresXidAgeHigh: "f03afa129bdb44de9cc1b60bf95f2351"
        case .postgresConnectionsNearMax: "d124355a14d2445b9c180a3e9c3d3e4f"
        case .redisMemoryNearMax: "7110ab8b3f834971a02f4adb2c127955"
        case .redisPersistenceFailing: "51ee569714d04b28bfe59625fbe8ccf3"
        case .databaseFiguresFailing: "98f948e5df774287b35d60388c761a5c"
        case .pitrArchiveFailing: "c4481d9299eb4eb783db08636ff5ccc4"
        case .pitrBaseBackupStale: "f5f43b7bf85a457e9b9274a043be09d1"
        case .pitrStanzaNotReady: "2b69d395557648558b65c038a8490e5e"
        case .pitrRepositoryFailing: "2f5beb4497774347905e7929b6b28a8a"
        case .replicationStandbyDisconnected: "f29e6f5df5b14da3a8e38ecac9afce3f"
        case .replicationLagHigh: "bad997b71eca4b8d8097e9856d995fc8"
        case .replicationSlotLost: "97ab0034a451435fafa75afdfe9c407a"
        }
    }

    public var isCritical: Bool {
        switch self {
        case .serviceFailed, .serviceDown, .backupFailed, .backupMissing, .backupOffsiteStale, .diskSpaceLow, .postgresXidAgeHigh,
            .redisPersistenceFailing, .pitrArchiveFailing, .replicationStandbyDisconnected, .replicationSlotLost:
            true
        default: false
        }
    }

    /// How long the condition must hold before the alert fires (the rule's `for`).
    public var holdSeconds: Double {
        switch self {
        case .serviceDown, .redisPersistenceFailing, .replicationStandbyDisconnected: 120
        case .diskSpaceLow, .postgresConnectionsNearMax, .redisMemoryNearMax: 300
        case .postgresXidAgeHigh, .databaseFiguresFailing, .healthCheckSlow, .replicationLagHigh: 600
        case .pitrStanzaNotReady, .pitrRepositoryFailing: 900
        case .diskFillingUp: 1800
        case .pitrBaseBackupStale: 3600
        default: 0
        }
    }
}
