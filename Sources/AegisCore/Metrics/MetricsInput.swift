/// Everything one scrape reports, gathered by the daemon: the status report (the same one
/// `aegisctl status` shows), certificate expiries, filesystem space and aegisd's own process
/// figures. `MetricsMapping` turns it into metric families without any I/O.
public struct MetricsInput: Sendable, Equatable {
    public var status: StatusReport
    /// The certificates aegisd manages or uses (`aegisctl certs status`); empty without TLS.
    public var certificates: [CertificateStatus]
    /// When each running service's current process started (seconds since the epoch).
    public var serviceStartTimes: [String: Double] = [:]
    /// The durations of each service's liveness checks.
    public var healthCheckDurations: [String: DurationHistogram] = [:]
    /// aegisd's own alerts firing now.
    public var firingAlerts: [AlertCondition] = []
    /// Alert notifications sent so far, per target and outcome.
    public var notifications: [NotificationCount] = []
    /// The last collection of each PostgreSQL instance's and Redis's figures.
    public var databases: [DatabaseFigures]
    /// aegisd's own process; nil where /proc could not be read.
    public var process: ProcessFigures?
    /// The period of the backup schedule per service, so that alert rules can judge the age of
    /// the last backup; absent when scheduled backups are off.
    public var backupPeriodSeconds: [String: Int64]
    /// The period of the restore-drill schedule per service, likewise.
    public var drillPeriodSeconds: [String: Int64]
    /// When the status was collected (seconds since the epoch).
    public var collectedAt: Double
    /// Now, for the age of the collection.
    public var now: Double

    public init(
        status: StatusReport, certificates: [CertificateStatus] = [],
        databases: [DatabaseFigures] = [], process: ProcessFigures? = nil, backupPeriodSeconds: [String: Int64] = [:],
        drillPeriodSeconds: [String: Int64] = [:], collectedAt: Double, now: Double
    ) {
        self.status = status
        self.certificates = certificates
        self.databases = databases
        self.process = process
        self.backupPeriodSeconds = backupPeriodSeconds
        self.drillPeriodSeconds = drillPeriodSeconds
        self.collectedAt = collectedAt
        self.now = now
    }
}

/// aegisd's own process, for the standard `process_*` metrics.
public struct ProcessFigures: Sendable, Equatable {
    public var residentMemoryBytes: Double
    public var virtualMemoryBytes: Double
    public var cpuSeconds: Double
    public var openFileDescriptors: Double
    public var maxFileDescriptors: Double
    /// Seconds since the epoch.
    public var startTimeSeconds: Double

    public init(
        residentMemoryBytes: Double, virtualMemoryBytes: Double, cpuSeconds: Double, openFileDescriptors: Double,
        maxFileDescriptors: Double, startTimeSeconds: Double
    ) {
        self.residentMemoryBytes = residentMemoryBytes
        self.virtualMemoryBytes = virtualMemoryBytes
        self.cpuSeconds = cpuSeconds
        self.openFileDescriptors = openFileDescriptors
        self.maxFileDescriptors = maxFileDescriptors
        self.startTimeSeconds = startTimeSeconds
    }
}
