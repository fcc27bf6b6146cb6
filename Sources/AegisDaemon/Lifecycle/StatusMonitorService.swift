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
        var releaseAt: ContinuousClock.Instant?
        var seen = await supervisor.changeCount
        while !Task.isCancelled {
            // Readiness first, then the summary: READY=1 must carry the status it announces.
            let becameReady = !ready ? await supervisor.allHealthy() : false
            let summary = await status.summaryReport().summary
            if becameReady {
                ready = true
                await supervisor.markReady()
                notifier.ready(status: summary)
                logger.notice("ready: \(summary)")
                releaseAt = ContinuousClock.now + Self.startupCodeReleaseDelay
            } else if summary != lastSummary {
                notifier.status(summary)
            }
            lastSummary = summary
            if let watchdog, ContinuousClock.now - lastPing >= watchdog {
                notifier.watchdog()
                lastPing = .now
            }
            if let due = releaseAt, ContinuousClock.now >= due {
                releaseAt = nil
                releaseStartupCode()
            }
            // Readiness follows the services' changes, so the next one wakes this loop at once.
            // The summary's warnings (backups, PITR, certificates, maintenance) come from jobs
            // that take minutes and ages measured in hours, so a refresh every few seconds keeps
            // them current; the watchdog ping and the release keep their own times.
            var next = ContinuousClock.now + Self.summaryRefresh
            if let watchdog { next = min(next, lastPing + watchdog) }
            if let releaseAt { next = min(next, releaseAt) }
            seen = await supervisor.waitForChange(since: seen, timeout: max(.zero, next - .now))
        }
    }

    /// How often the summary is rebuilt when no service changed. Every half second it was most
    /// of an idle aegisd's wake-ups (docs/benchmarks.md); a warning showing five seconds late
    /// on a job that ran for minutes costs nothing.
    static let summaryRefresh = Duration.seconds(5)

    /// Start-up does not end at READY=1: the scheduler arms its timers, pgBackRest's stanzas are
    /// checked, the first metrics and database figures are read, all in the following seconds.
    /// A minute later only the idle loop runs, and its code is what stays (measured in
    /// docs/benchmarks.md: released at READY=1 itself, 9 MiB of that later start-up stayed).
    static let startupCodeReleaseDelay = Duration.seconds(60)

    /// Once, a minute after the first READY=1: the code only starting up ran leaves memory (what
    /// and why: StartupCodeRelease). Not after a reload: what a reload reads is little and may
    /// run again.
    private func releaseStartupCode() {
        do {
            let outcome = try StartupCodeRelease.release()
            logger.info("start-up code released: \(outcome.residentKiB / 1024) MiB of the executable in \(outcome.mappings) mappings")
        } catch {
            logger.info("start-up code kept in memory: \(error)")
        }
    }
}
