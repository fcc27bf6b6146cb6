import ServiceLifecycle

/// The in-process cron (backups, drills, maintenance), cancelled when the group shuts down. A
/// reload that changes the jobs replaces the scheduler inside `ScheduleRunner.run`.
struct SchedulerService: Service {
    let runner: ScheduleRunner

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await runner.run()
        }
    }
}
