import AegisCore

/// The components whose state makes up `aegisctl status`: one place assembles the report, so
/// that the control socket and `/metrics` tell the same story.
struct StatusSources: Sendable {
    let supervisor: Supervisor
    let backups: BackupCoordinator
    let certificates: CertificateManager
    let logs: LogPipeline
    let maintenance: MaintenanceCoordinator

    func report() async -> StatusReport {
        var report = await supervisor.status()
        report.backups = await backups.statuses()
        report.activity = await backups.activity()
        report.certificateWarnings = await certificates.warnings
        report.logs = await logs.status()
        report.maintenance = await maintenance.statuses()
        return report
    }
}
