import AegisCore
import AegisSystem
import Foundation
import Logging

/// The daemon's log pipeline as one value: the router the supervisor's children write to, and
/// the shipper when `[logs] ship` is on. Built from the configuration by `make`.
public struct LogPipeline: Sendable {
    public let router: LogRouter
    public let shipper: LogShipper?

    public init(router: LogRouter, shipper: LogShipper?) {
        self.router = router
        self.shipper = shipper
    }

    /// The pipeline `[logs]` describes. A shipper that cannot open its spool is reported and
    /// left out: journald and `aegisctl logs` still work.
    public static func make(config: AegisConfig, echo: LogRouter.Echo, logger: Logger) -> LogPipeline {
        let logs = config.logs
        // No Loki to push to: the supervised one is disabled and no other is configured.
        let noLoki = !config.loki.enabled && logs.lokiURL.isEmpty
        if logs.ship, noLoki {
            logger.notice("logs: not shipping to Loki: [loki] is disabled and [logs] loki_url is empty")
        }
        guard logs.ship, !noLoki else {
            return LogPipeline(router: LogRouter(echo: echo, ringLines: logs.ringLines, intake: nil), shipper: nil)
        }
        let intake = LogIntake()
        let router = LogRouter(echo: echo, ringLines: logs.ringLines, intake: intake)
        do {
            let endpoint = try LokiEndpoint(url: config.lokiPushURL)
            var settings = LogShipper.Settings(
                endpoint: endpoint,
                batch: LogBatcher.Policy(maxBytes: logs.batchMaxBytes, maxWaitNs: Int64(logs.batchMaxWaitMs) * 1_000_000),
                labels: LokiLabelRules(jsonKeys: logs.jsonLabels, host: hostName()),
                spoolDirectory: config.layout.spoolDir, spoolMaxBytes: logs.spoolMaxMb << 20)
            settings.tls = config.lokiPushTLS(endpoint)
            settings.fileSources = logs.sources.filter { !$0.paths.isEmpty }.map { ($0.job, $0.paths) }
            settings.unitSources = logs.sources.filter { !$0.unit.isEmpty }.map { ($0.job, $0.unit) }
            return LogPipeline(router: router, shipper: try LogShipper(settings: settings, intake: intake, logger: logger))
        } catch let error as LokiEndpointError {
            logger.error("logs: not shipping to Loki: \(error.description)")
        } catch {
            logger.error("logs: not shipping to Loki: \(error)")
        }
        return LogPipeline(router: LogRouter(echo: echo, ringLines: logs.ringLines, intake: nil), shipper: nil)
    }

    public func start() async { await shipper?.start() }

    /// Flushes pending multi-line entries, then stops the shipper (which spools what it holds).
    public func stop() async {
        router.flushDue(all: true)
        await shipper?.stop()
    }

    public func status() async -> LogsStatus {
        var status = LogsStatus(linesRead: router.linesRead)
        if let shipper { status = await shipper.status(linesRead: router.linesRead) }
        status.journalDropped = router.journalDropped
        status.outputDroppedBytes = router.outputDroppedBytes
        status.journalSent = router.journalSent
        return status
    }

    static func hostName() -> String {
        ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "localhost"
    }
}
