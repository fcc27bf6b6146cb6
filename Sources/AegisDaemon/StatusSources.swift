import AegisCore
import AegisSystem

/// The components whose state makes up `aegisctl status`: one place assembles the report, so
/// that the control socket and `/metrics` tell the same story.
struct StatusSources: Sendable {
    let supervisor: Supervisor
    let backups: BackupCoordinator
    let certificates: CertificateManager
    let logs: LogPipeline
    let maintenance: MaintenanceCoordinator
    /// The directories whose filesystems are reported: data, backups, the log spool (they
    /// follow reloads of `backup.directory`).
    let filesystemPaths: @Sendable () async -> [String]
    /// The metrics endpoint's URL while it serves.
    let metricsURL: @Sendable () -> String?

    /// The directories whose filesystems `report()` shows.
    static func filesystemPaths(_ config: AegisConfig) -> [String] {
        [config.layout.dataDir, config.backup.directory.isEmpty ? config.layout.backupsDir : config.backup.directory,
         config.layout.spoolDir]
    }

    func report() async -> StatusReport {
        var report = await supervisor.status()
        report.backups = await backups.statuses()
        report.activity = await backups.activity()
        report.certificateWarnings = await certificates.warnings
        report.logs = await logs.status()
        report.maintenance = await maintenance.statuses()
        report.filesystems = FilesystemSpace.figures(of: await filesystemPaths())
        report.daemon.metricsURL = metricsURL()
        return report
    }
}
