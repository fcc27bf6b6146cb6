import AegisCore
import ServiceLifecycle

/// `/metrics` and aegisd's own alerts as a member of the service group: started after the
/// status monitor and shut down before it, so a scrape and the alerts see the services stop.
struct MetricsService: Service {
    let exporter: MetricsExporter
    /// False when a configured bearer token could not be read: collect (for the alerts), never serve.
    let serve: Bool
    /// Set to the endpoint's URL while it serves, for `aegisctl status`.
    let url: Shared<String?>

    /// Alert notifications are delivered by a child task of this one, so none outlives it.
    func run() async throws {
        if await exporter.start(serve: serve) { url.value = exporter.server.endpoint.url }
        await withDiscardingTaskGroup { group in
            group.addTask { await exporter.runAlertDeliveries() }
            await cancelWhenGracefulShutdown {
                while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
            }
            url.value = nil
            // Collections first (no new alert), then the deliveries: running hooks are killed.
            await exporter.stop()
            group.cancelAll()
        }
    }
}
