import AegisCore
import AegisSystem

/// Everything a reload hands the new configuration to, in the order `Reloader` calls it. The
/// reloader decides (is the file usable, what does the plan say, what to undo when a step
/// fails); the targets do. `DaemonReloadTargets` is the running daemon's; tests script their own.
protocol ReloadTargets: Sendable {
    /// systemd hears `RELOADING=1` with `status`.
    func announceReloading(_ status: String)
    /// systemd hears `READY=1` with the daemon's status summary.
    func announceReady() async

    /// Gives the certificate manager `config` and makes what it lacks; returns the services
    /// whose certificates were re-issued. Throws when they cannot be made.
    func prepareCertificates(for config: AegisConfig) async throws(SystemError) -> [ServiceID]
    /// Puts the certificate manager back on `config` after `prepareCertificates` failed.
    func restoreCertificates(_ config: AegisConfig) async
    /// Stops, starts and restarts the services as `plan` says, with drivers built from `config`.
    func applyServices(_ plan: ReloadPlan, config: AegisConfig) async
    /// Loads re-issued certificates into servers that keep running.
    func reloadCertificates(of services: [ServiceID]) async
    /// Gives `config` to the parts that only read it: backups, maintenance, status, the log shipper.
    func update(_ config: AegisConfig) async
    /// The scheduled jobs' settings changed: the scheduler starts again with the new ones.
    func schedulesChanged()
    /// Waits until `services` have settled after their start, or `timeout` passes.
    func waitSettled(_ services: [ServiceID], timeout: Duration) async
}
