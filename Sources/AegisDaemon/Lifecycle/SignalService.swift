import AegisSystem
import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals

/// The daemon's signals, through ServiceLifecycle's `UnixSignalsSequence`: SIGHUP reloads the
/// configuration; SIGTERM or SIGINT says STOPPING=1, stops anything new from starting, and
/// returns, which shuts the group down gracefully in reverse start order (this service is
/// configured with `.gracefullyShutdownGroup`).
struct SignalService: Service {
    /// Trapping SIGTERM, SIGINT and SIGHUP since before the group started (`Daemon.run`), so that
    /// none is lost while the group starts.
    let signals: UnixSignalsSequence
    /// Set when SIGTERM or SIGINT asked for the shutdown.
    let requested: ShutdownRequest
    let supervisor: Supervisor
    let reloader: Reloader
    let notifier: SystemdNotifier
    let logger: Logger

    func run() async throws {
        let signals = signals
        let announced = await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self, returning: Bool.self) { reloads in
                for await signal in signals {
                    if signal == .sighup {
                        // A reload runs beside the signal loop, so a SIGTERM during a long reload
                        // is heard at once; the reloader takes concurrent reloads in turn.
                        reloads.addTask {
                            logger.notice("SIGHUP received: reloading the configuration")
                            _ = try? await reloader.reload()
                        }
                        continue
                    }
                    logger.notice("received \(signal == .sigint ? "SIGINT" : "SIGTERM"): stopping every service")
                    requested.markRequested()
                    // Before waiting for a reload in flight: from now on nothing starts, so its
                    // waits for services to settle end at once.
                    await announceStopping()
                    return true
                }
                return false
            }
        }
        // The group may also be shutting down for another reason (a member failed): systemd
        // must hear STOPPING=1 before the services go.
        if !announced { await announceStopping() }
    }

    private func announceStopping() async {
        notifier.stopping(status: "stopping services")
        await supervisor.beginShutdown()
    }
}

/// Whether a signal asked for the daemon's shutdown: anything else that ends the service group
/// (a member failing) is a failure, and aegisd then exits non-zero so that systemd restarts it.
final class ShutdownRequest: Sendable {
    private let flag = Atomic<Bool>(false)

    var wasRequested: Bool { flag.load(ordering: .acquiring) }
    func markRequested() { flag.store(true, ordering: .releasing) }
}
