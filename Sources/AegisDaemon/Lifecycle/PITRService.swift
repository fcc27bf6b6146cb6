import AegisCore
import ServiceLifecycle
import Synchronization

/// The PITR work that follows the instances: each time one becomes healthy, its pgBackRest
/// stanza is created (when new) and checked, as a job of its own, so neither READY nor the
/// instance's health waits for it; and every `interval` the archiver's figures are read again
/// for status and /metrics. Cancelled when the group shuts down, before the supervisor stops
/// the instances.
struct PITRService: Service {
    let pitr: PITRCoordinator
    let supervisor: Supervisor
    var interval: Duration = .seconds(15)

    func run() async throws {
        let (healthy, continuation) = AsyncStream.makeStream(of: ServiceID.self, bufferingPolicy: .unbounded)
        let wasHealthy = Mutex<Set<ServiceID>>([])
        for service in pitr.services {
            // Rising edges only: a start, a restart, a restore, a recovery from a hang.
            await supervisor.observe(service) { status in
                let rose = wasHealthy.withLock { seen in
                    if status.healthy { return seen.insert(service).inserted }
                    seen.remove(service)
                    return false
                }
                if rose { continuation.yield(service) }
            }
        }
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await service in healthy { await pitr.ensureStanza(service) }
                }
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: interval)
                        await pitr.refreshArchivers()
                    }
                }
                await group.waitForAll()
            }
        }
        continuation.finish()
    }
}
