import AegisCore
import AegisSystem

extension LogShipper {
    /// Where the shipper pushes, how it batches, labels, spools and retries, and what it reads
    /// besides the children (`[logs]` and `[[logs.source]]`, made by `LogPipeline.make`).
    public struct Settings: Sendable {
        public var endpoint: LokiEndpoint
        /// How an https endpoint is verified (`AegisConfig.lokiPushTLS`); nil for http.
        public var tls: TLSClientSettings?
        public var batch: LogBatcher.Policy
        public var labels: LokiLabelRules
        public var spoolDirectory: String
        public var spoolMaxBytes: Int
        /// Batches beyond this wait in the spool instead of memory.
        public var memoryMaxBytes: Int = 8 << 20
        public var pushTimeout: Duration = .seconds(10)
        public var retry = ShipRetryPolicy()
        /// (job, globs) of `[[logs.source]]` with paths.
        public var fileSources: [(job: String, globs: [String])] = []
        /// (job, unit) of `[[logs.source]]` with a unit.
        public var unitSources: [(job: String, unit: String)] = []
        /// How often the intake and the sources are read.
        public var collectInterval: Duration = .milliseconds(50)
        /// Whether the endpoint is the supervised Loki (empty `loki_url`): pushes wait for it to
        /// run (`lokiStatusChanged`).
        public var supervisedLoki = false
        /// The tenant and credentials sent to a remote Loki.
        public var credentials: LokiCredentials = .none
        /// Why the credentials could not be read; nothing is pushed until a reload brings them.
        public var credentialsError: LokiCredentialError?

        public init(endpoint: LokiEndpoint, batch: LogBatcher.Policy, labels: LokiLabelRules, spoolDirectory: String, spoolMaxBytes: Int) {
            self.endpoint = endpoint
            self.batch = batch
            self.labels = labels
            self.spoolDirectory = spoolDirectory
            self.spoolMaxBytes = spoolMaxBytes
        }
    }
}
