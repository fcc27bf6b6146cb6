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
            settings.supervisedLoki = logs.lokiURL.isEmpty
            switch Self.credentials(logs) {
            case .success(let credentials): settings.credentials = credentials
            case .failure(let error):
                settings.credentialsError = error
                logger.error("logs: \(LogShipper.problem(error))")
            }
            return LogPipeline(router: router, shipper: try LogShipper(settings: settings, intake: intake, logger: logger))
        } catch let error as LokiEndpointError {
            logger.error("logs: not shipping to Loki: \(error.description)")
        } catch {
            logger.error("logs: not shipping to Loki: \(error)")
        }
        return LogPipeline(router: LogRouter(echo: echo, ringLines: logs.ringLines, intake: nil), shipper: nil)
    }

    public func start() async { await shipper?.start() }

    /// Lets the shipper follow the supervised Loki's state: it pushes only while Loki runs.
    public func follow(_ supervisor: Supervisor) async {
        guard let shipper, shipper.settings.supervisedLoki else { return }
        await supervisor.observe(.loki) { shipper.lokiStatusChanged($0) }
    }

    /// At a reload: the tenant and credentials of `config` (their files read again, so a
    /// rotated password or token is taken without a restart).
    public func reloadCredentials(_ config: AegisConfig) async {
        guard let shipper, !config.logs.lokiURL.isEmpty else { return }
        await shipper.updateCredentials(Self.credentials(config.logs))
    }

    /// The tenant and credentials `[logs]` names, read from their files.
    static func credentials(_ logs: LogsSettings) -> Result<LokiCredentials, LokiCredentialError> {
        Result { () throws(LokiCredentialError) in try LokiCredentialFiles.load(logs) }
    }

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
