import AegisSystem
import Logging
import ServiceLifecycle

/// Keeps systemd's STATUS= current, sends READY=1 once everything is healthy, and pings the
/// watchdog from the supervisor's own executor, so a wedged supervisor stops the pings. Shut
/// down after the supervisor, so STATUS= follows the services while they stop.
struct StatusMonitorService: Service {
    let supervisor: Supervisor
    let status: StatusAssembler
    let notifier: SystemdNotifier
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await monitor()
        }
    }

    private func monitor() async {
        var lastSummary = ""
        var ready = false
        let watchdog = notifier.watchdogInterval.map { $0 / 2 }
        var lastPing = ContinuousClock.now
        var seen = await supervisor.changeCount
        while !Task.isCancelled {
            // Readiness first, then the summary: READY=1 must carry the status it announces.
            let becameReady = !ready ? await supervisor.allHealthy() : false
            let summary = await status.report().summary
            if becameReady {
                ready = true
                await supervisor.markReady()
                notifier.ready(status: summary)
                logger.notice("ready: \(summary)")
            } else if summary != lastSummary {
                notifier.status(summary)
            }
            lastSummary = summary
            if let watchdog, ContinuousClock.now - lastPing >= watchdog {
                notifier.watchdog()
                lastPing = .now
            }
            // Readiness follows the services' changes, so the next one wakes this loop at once;
            // the summary also holds backups, certificates and maintenance, which change on
            // their own time, so it is refreshed at least every half second regardless.
            seen = await supervisor.waitForChange(since: seen, timeout: .milliseconds(500))
        }
    }
}
