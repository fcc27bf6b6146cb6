import ServiceLifecycle

/// Off-host copies (`OffsiteReplicator`), cancelled when the group shuts down: an rclone still
/// running is killed, and its backup is uploaded again after the next start.
struct OffsiteService: Service {
    let replicator: OffsiteReplicator

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await replicator.run()
        }
    }
}
