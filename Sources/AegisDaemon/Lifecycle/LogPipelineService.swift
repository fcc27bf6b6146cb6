import ServiceLifecycle

/// The log pipeline as a member of the daemon's service group. It is the first member, so it is
/// shut down last: the children's final lines, written while they stop, still reach journald
/// and the spool.
struct LogPipelineService: Service {
    let logs: LogPipeline

    func run() async throws {
        await logs.start()
        try? await gracefulShutdown()
        await logs.stop()
    }
}
