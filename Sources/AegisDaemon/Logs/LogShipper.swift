import AegisCore
import AegisSystem
import Foundation
import Logging
import Synchronization

/// Ships entries to Loki the way Promtail did: takes them from the intake (children) and from
/// the configured sources (files, journald units), batches them (`LogBatcher`), queues the
/// batches in memory or in the on-disk spool (`ShipQueue`), and pushes them one at a time,
/// retrying as `ShipRetryPolicy` decides.
///
/// To the supervised Loki it pushes only while that service runs (`SupervisedLokiGate`):
/// otherwise it keeps the batches and waits, without retries or errors, for the supervisor to
/// report the next change of Loki's state. A remote `loki_url` is always pushed to, with the
/// tenant and credentials of `[logs]`; when it cannot be reached, that is an error.
///
/// Delivery is at-least-once from the moment a batch is queued: a batch leaves the queue only
/// when Loki answered 2xx (or refused it for good), so a lost answer or a crash sends it again;
/// Loki drops an entry identical to one it holds (same stream, timestamp and line), so a resend
/// does not show twice in queries. Entries not yet batched (under `batch_max_wait_ms`) and the
/// in-memory queue are lost if aegisd crashes; a clean stop spools them.
public actor LogShipper {
    public let settings: Settings
    /// The actor's own background-priority thread: what the shipper does with a burst of a
    /// server's output (batching, encoding, compressing) waits while the server wants the CPU.
    private let executor = ThreadExecutor(name: "aegis-shipper", priority: .background)
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
    let intake: LogIntake
    var pusher: LokiPusher
    /// Why pushing is held back by a configuration problem (unreadable credentials); an error.
    var credentialsProblem: String?
    /// The supervised Loki's latest status, written by the supervisor from its own executor
    /// (`lokiStatusChanged`); nil until the first report, or for a remote Loki.
    private let lokiStatus = Mutex<ServiceStatus?>(nil)
    /// The send loop's wait for a change (Loki's state, new credentials, stop); `ring` ends it.
    var doorbell: CheckedContinuation<Void, Never>?
    var rang = false
    var waitToken = 0
    /// The send loop waiting for a first batch in an empty queue (`recordsQueued` ends it). Apart
    /// from `doorbell`, so that new batches never cut a retry's backoff short.
    var recordsWaiter: CheckedContinuation<Void, Never>?
    let queue: ShipQueue
    let logger: Logger
    var batcher: LogBatcher
    var labels: StreamLabelCache
    var sources: LogSources
    private var tasks: [Task<Void, Never>] = []
    var shipped = 0
    var refusedByLoki = 0
    var retries = 0
    var lastError: String?

    public init(settings: Settings, intake: LogIntake, logger: Logger) throws(SystemError) {
        self.settings = settings
        self.intake = intake
        self.logger = logger
        pusher = LokiPusher(
            endpoint: settings.endpoint, tls: settings.tls, timeout: settings.pushTimeout, credentials: settings.credentials)
        credentialsProblem = settings.credentialsError.map(Self.problem)
        lastError = credentialsProblem
        let spool = try LogSpool(directory: "\(settings.spoolDirectory)/loki", maxBytes: settings.spoolMaxBytes)
        queue = ShipQueue(spool: spool, memoryMaxBytes: settings.memoryMaxBytes)
        batcher = LogBatcher(policy: settings.batch)
        labels = StreamLabelCache(rules: settings.labels)
        sources = LogSources(fileSources: settings.fileSources, unitSources: settings.unitSources,
                             stateDirectory: settings.spoolDirectory, logger: logger)
    }

    deinit { executor.close() }

    /// Starts collecting and sending.
    public func start() {
        guard tasks.isEmpty else { return }
        tasks.append(Task { await self.collectLoop() })
        tasks.append(Task { await self.sendLoop() })
    }

    /// Stops both loops; what is batched or queued in memory goes to the spool, for the next start.
    public func stop() async {
        for task in tasks { task.cancel() }
        ring()
        recordsQueued()
        for task in tasks { await task.value }
        tasks = []
        collect(nowNs: WallClock.nowNs())
        do {
            if let batch = batcher.flush() { try queue.enqueue(Self.record(batch)) }
            try queue.spillMemory()
        } catch {
            logger.error("logs: cannot spool the last batches: \(error.message)")
        }
    }

    public func status(linesRead: Int) -> LogsStatus {
        let spool = queue.spool
        var status = LogsStatus(
            linesRead: linesRead + sources.linesRead, linesShipped: shipped, retries: retries, spoolBytes: spool.pendingBytes,
            shipping: true, lokiURL: settings.endpoint.url, lastError: lastError, waitingFor: lokiWaitReason)
        status.setDropped([.lokiRefused: refusedByLoki, .spoolFull: spool.droppedEntries, .queueFull: intake.counts.refused])
        return status
    }

    /// The supervisor reports the supervised Loki's status on every change of its state or
    /// health. Callable from any thread; the latest status wins whatever order the hops run in.
    public nonisolated func lokiStatusChanged(_ status: ServiceStatus) {
        lokiStatus.withLock { $0 = status }
        Task { await self.ring() }
    }

    /// New tenant and credentials after a reload (the files are read again each time), or why
    /// they cannot be read. Takes effect with the next push, which is not held back by the
    /// retry delay of a refused one.
    public func updateCredentials(_ result: Result<LokiCredentials, LokiCredentialError>) {
        switch result {
        case .success(let credentials):
            pusher = LokiPusher(endpoint: settings.endpoint, tls: settings.tls, timeout: settings.pushTimeout, credentials: credentials)
            if credentialsProblem != nil { lastError = nil }
            credentialsProblem = nil
        case .failure(let error):
            credentialsProblem = Self.problem(error)
            lastError = credentialsProblem
            logger.error("logs: \(credentialsProblem!)")
        }
        ring()
    }

    /// `last_error` while the credentials cannot be read.
    static func problem(_ error: LokiCredentialError) -> String {
        "cannot read the Loki credentials: \(error.description); nothing is pushed until it is fixed and aegisd reloaded"
    }

    /// What the supervised Loki's state makes the shipper wait for, or nil when it may push (or
    /// the endpoint is remote).
    var lokiWaitReason: String? {
        guard settings.supervisedLoki else { return nil }
        guard let status = lokiStatus.withLock({ $0 }) else { return "loki (not started yet)" }
        if case .wait(let reason) = SupervisedLokiGate.verdict(status) { return reason }
        return nil
    }
}
