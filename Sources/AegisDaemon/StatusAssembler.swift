import AegisCore
import AegisSystem

/// The one place a `StatusReport` is put together from the components that own its parts, for
/// `aegisctl status`, systemd's STATUS= line and the READY=1 after a reload alike, so they never
/// drift apart.
struct StatusAssembler: Sendable {
    let supervisor: Supervisor
    let backups: BackupCoordinator
    let certificates: CertificateManager
    let logs: LogPipeline
    let maintenance: MaintenanceCoordinator
    /// The directories whose filesystems are reported: data, backups, the log spool. Shared:
    /// a reload that moves `backup.directory` sets the new one.
    let filesystemPaths: Shared<[String]>
    /// The metrics endpoint's URL while it serves (`MetricsService` sets it).
    let metricsURL = Shared<String?>(nil)
    /// Point-in-time recovery of the PostgreSQL instances; nil when none has it.
    let pitr: PITRCoordinator?
    /// Role and replication figures of PostgreSQL and Redis; nil in tests that run no servers.
    let replication: ReplicationMonitor?

    init(
        supervisor: Supervisor, backups: BackupCoordinator, certificates: CertificateManager, logs: LogPipeline,
        maintenance: MaintenanceCoordinator, config: AegisConfig, pitr: PITRCoordinator? = nil, replication: ReplicationMonitor? = nil
    ) {
        self.pitr = pitr
        self.replication = replication
        self.supervisor = supervisor
        self.backups = backups
        self.certificates = certificates
        self.logs = logs
        self.maintenance = maintenance
        filesystemPaths = Shared(Self.filesystemPaths(config))
    }

    /// The directories whose filesystems `report()` shows.
    static func filesystemPaths(_ config: AegisConfig) -> [String] {
        [config.layout.dataDir, config.backup.directory.isEmpty ? config.layout.backupsDir : config.backup.directory,
         config.layout.spoolDir]
    }

    /// The whole report, for `aegisctl status` and `/metrics`: what `summaryReport()` holds, and
    /// the parts that cost a server round trip or a system call to read.
    /// - Parameter replicationMaxAge: how old a replication reading may be (`ReplicationMonitor`).
    func report(replicationMaxAge: Duration = ReplicationMonitor.freshness) async -> StatusReport {
        var report = await summaryReport()
        await replication?.annotate(&report, maxAge: replicationMaxAge)
        report.activity = await backups.activity()
        report.logs = await logs.status()
        report.filesystems = FilesystemSpace.figures(of: filesystemPaths.value)
        report.daemon.metricsURL = metricsURL.value
        return report
    }

    /// The parts `StatusReport.summary` reads (the services' states, backup, PITR and certificate
    /// warnings, failed maintenance), all held in memory. systemd's STATUS= line is refreshed
    /// from this at every change of a service and every few seconds; with the whole report each
    /// refresh would also read every server's replication figures over a new connection, which
    /// was most of an idle aegisd's CPU when it refreshed every half second (docs/benchmarks.md).
    func summaryReport() async -> StatusReport {
        var report = await supervisor.status()
        report.backups = await backups.statuses()
        report.certificateWarnings = await certificates.warnings
        report.maintenance = await maintenance.statuses()
        if let pitr, !pitr.services.isEmpty { report.pitr = await pitr.statuses() }
        return report
    }
}
