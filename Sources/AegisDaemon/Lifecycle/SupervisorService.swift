import ServiceLifecycle

/// Starts every service wave by wave, and on shutdown stops them in the reverse order, each
/// down its stop ladder, before it returns.
struct SupervisorService: Service {
    let supervisor: Supervisor

    func run() async throws {
        await supervisor.startAll()
        try? await gracefulShutdown()
        // Already said by the signal; said again for a shutdown that began another way (a
        // member of the group that failed), so nothing is started from here on.
        await supervisor.beginShutdown()
        await supervisor.stopAll()
    }
}
