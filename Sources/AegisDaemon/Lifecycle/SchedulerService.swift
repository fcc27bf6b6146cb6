import ServiceLifecycle

/// The in-process cron (backups, drills, maintenance), cancelled when the group shuts down. A
/// reload that changes the jobs replaces the scheduler inside `Reloader.runSchedules`.
struct SchedulerService: Service {
    let reloader: Reloader

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await reloader.runSchedules()
        }
    }
}
