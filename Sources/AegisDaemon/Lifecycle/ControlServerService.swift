import AegisSystem
import ServiceLifecycle

/// `aegisctl`'s socket as a member of the service group. It stays open while the services stop
/// (it is shut down after the supervisor), so `aegisctl status` can watch a shutdown.
struct ControlServerService: Service {
    let server: ControlServer

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await server.run()
        } onGracefulShutdown: {
            server.stop()
        }
    }
}
