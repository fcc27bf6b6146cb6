import AegisCore

/// The one place a `StatusReport` is put together from the components that own its parts, for
/// `aegisctl status`, systemd's STATUS= line and the READY=1 after a reload alike, so they never
/// drift apart.
struct StatusAssembler: Sendable {
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
