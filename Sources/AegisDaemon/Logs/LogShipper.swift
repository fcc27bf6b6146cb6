import AegisCore
import AegisSystem
import Foundation
import Logging

/// Ships entries to Loki the way Promtail did: takes them from the intake (children) and from
/// the configured sources (files, journald units), batches them (`LogBatcher`), queues the
/// batches in memory or in the on-disk spool (`ShipQueue`), and pushes them one at a time,
/// retrying as `ShipRetryPolicy` decides.
///
/// Delivery is at-least-once from the moment a batch is queued: a batch leaves the queue only
/// when Loki answered 2xx (or refused it for good), so a lost answer or a crash sends it again;
/// Loki drops an entry identical to one it holds (same stream, timestamp and line), so a resend
/// does not show twice in queries. Entries not yet batched (under `batch_max_wait_ms`) and the
/// in-memory queue are lost if aegisd crashes; a clean stop spools them.
public actor LogShipper {
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

        public init(endpoint: LokiEndpoint, batch: LogBatcher.Policy, labels: LokiLabelRules, spoolDirectory: String, spoolMaxBytes: Int) {
            self.endpoint = endpoint
            self.batch = batch
            self.labels = labels
            self.spoolDirectory = spoolDirectory
            self.spoolMaxBytes = spoolMaxBytes
        }
    }

    private struct LabelKey: Hashable {
        let job: String
        let service: String?
        let level: LogLevel
    }

    public let settings: Settings
    /// The actor's own background-priority thread: what the shipper does with a burst of a
    /// server's output (batching, encoding, compressing) waits while the server wants the CPU.
    private let executor = ThreadExecutor(name: "aegis-shipper", priority: .background)
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
    private let intake: LogIntake
    private let pusher: LokiPusher
    private let queue: ShipQueue
    private let logger: Logger
    private var batcher: LogBatcher
    private var labelCache: [LabelKey: LogStreamLabels] = [:]
    /// The last lookup: consecutive entries mostly come from one child at one level.
    private var lastLabels: (key: LabelKey, labels: LogStreamLabels)?
    private var files: [(job: String, tailer: FileTailer)] = []
    private var journals: [(job: String, tailer: JournalTailer, cursorFile: String)] = []
    private var tasks: [Task<Void, Never>] = []
    private var sourceLines = 0
    private var shipped = 0
    private var refusedByLoki = 0
    private var retries = 0
    private var lastError: String?

    public init(settings: Settings, intake: LogIntake, logger: Logger) throws(SystemError) {
        self.settings = settings
        self.intake = intake
        self.logger = logger
        pusher = LokiPusher(endpoint: settings.endpoint, tls: settings.tls, timeout: settings.pushTimeout)
        let spool = try LogSpool(directory: "\(settings.spoolDirectory)/loki", maxBytes: settings.spoolMaxBytes)
        queue = ShipQueue(spool: spool, memoryMaxBytes: settings.memoryMaxBytes)
        batcher = LogBatcher(policy: settings.batch)
        for source in settings.fileSources {
            files.append((source.job, FileTailer(
                globs: source.globs, positionsFile: "\(settings.spoolDirectory)/positions-\(source.job).json")))
        }
        for source in settings.unitSources {
            let cursorFile = "\(settings.spoolDirectory)/journal-\(source.job).cursor"
            let cursor = (try? FileSystem.read(cursorFile))?.trimmingCharacters(in: .whitespacesAndNewlines)
            do {
                let tailer = try JournalTailer(matches: ["_SYSTEMD_UNIT=\(source.unit)"], after: cursor?.isEmpty == false ? cursor : nil)
                journals.append((source.job, tailer, cursorFile))
            } catch {
                logger.warning("logs: cannot read the journal of \(source.unit) for job \(source.job): \(error.message)")
            }
        }
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
        return LogsStatus(
            linesRead: linesRead + sourceLines, linesShipped: shipped,
            linesDropped: refusedByLoki + spool.droppedEntries + intake.counts.refused,
            retries: retries, spoolBytes: spool.pendingBytes, shipping: true, lokiURL: settings.endpoint.url,
            lastError: lastError)
    }

    // MARK: - Collecting

    private func collectLoop() async {
        var lastSourcePoll = ContinuousClock.now
        while !Task.isCancelled {
            let now = WallClock.nowNs()
            if ContinuousClock.now - lastSourcePoll >= .milliseconds(250) {
                pollSources(nowNs: now)
                lastSourcePoll = .now
            }
            collect(nowNs: now)
            if let batch = batcher.due(nowNs: now) { enqueue(batch) }
            try? await Task.sleep(for: settings.collectInterval)
        }
    }

    private func collect(nowNs: Int64) {
        for item in intake.drain() {
            add(item.entry, job: item.job, service: item.service, nowNs: nowNs)
        }
    }

    private func pollSources(nowNs: Int64) {
        for (job, tailer) in files {
            for (_, line) in tailer.poll() {
                sourceLines += 1
                add(LogEntry(timestampNs: nowNs, line: line, level: LogLevelParser.level(of: line)), job: job, service: nil, nowNs: nowNs)
            }
        }
        for (job, tailer, cursorFile) in journals {
            let entries = tailer.poll()
            for entry in entries {
                sourceLines += 1
                let level = entry.priority.flatMap(LogLevel.init(rawValue:)) ?? LogLevelParser.level(of: entry.message)
                add(LogEntry(timestampNs: Int64(entry.realtimeUsec) * 1000, line: entry.message, level: level),
                    job: job, service: nil, nowNs: nowNs)
            }
            if let cursor = entries.last?.cursor {
                try? FileSystem.writeAtomically(cursorFile, contents: cursor + "\n", mode: 0o600)
            }
        }
    }

    private func add(_ entry: LogEntry, job: String, service: String?, nowNs: Int64) {
        if let batch = batcher.add(entry, to: labels(of: entry, job: job, service: service), nowNs: nowNs) {
            enqueue(batch)
        }
    }

    /// The stream of an entry; cached when no JSON label applies (the common case: no parsing,
    /// no sorting per line).
    private func labels(of entry: LogEntry, job: String, service: String?) -> LogStreamLabels {
        if entry.line.first == "{", !settings.labels.jsonKeys.isEmpty {
            return LogStreamLabels(settings.labels.labels(job: job, service: service, entry: entry))
        }
        let key = LabelKey(job: job, service: service, level: entry.level)
        if let last = lastLabels, last.key == key { return last.labels }
        let labels = labelCache[key] ?? LogStreamLabels(settings.labels.labels(job: job, service: service, entry: entry))
        labelCache[key] = labels
        lastLabels = (key, labels)
        return labels
    }

    private func enqueue(_ batch: LogBatch) {
        do {
            try queue.enqueue(Self.record(batch))
        } catch {
            lastError = "cannot spool a batch: \(error.message)"
            logger.error("logs: \(lastError!)")
        }
    }

    /// The batch as it is queued, spooled and pushed: gzip-compressed JSON (a spool holds about
    /// ten times more of an outage than it would as JSON).
    private static func record(_ batch: LogBatch) throws(SystemError) -> LogSpool.Record {
        LogSpool.Record(body: try LokiPusher.compressedBody(json: LokiPushEncoder.encode(batch)), entries: batch.entryCount)
    }

    // MARK: - Sending

    private func sendLoop() async {
        var attempt = 0
        while !Task.isCancelled {
            let record: LogSpool.Record?
            do {
                record = try queue.peek()
            } catch {
                lastError = "cannot read the spool: \(error.message)"
                try? await Task.sleep(for: .seconds(1))
                continue
            }
            guard let record else {
                try? await Task.sleep(for: settings.collectInterval)
                continue
            }
            attempt += 1
            let pusher = pusher
            let outcome: ShipRetryPolicy.Outcome
            var detail = ""
            do {
                let answer = try await runBlocking { try pusher.push(body: record.body) }
                outcome = .status(answer.status)
                detail = "HTTP \(answer.status) \(answer.body.prefix(200))"
            } catch {
                outcome = .networkError
                detail = "\(error)"
            }
            switch settings.retry.decide(outcome, attempt: attempt, random: Double.random(in: 0..<1)) {
            case .delivered:
                shipped += record.entries
                attempt = 0
                try? queue.acknowledge()
            case .drop:
                refusedByLoki += record.entries
                attempt = 0
                lastError = "Loki refused a batch of \(record.entries) entries for good: \(detail)"
                logger.warning("logs: \(lastError!)")
                try? queue.acknowledge()
            case .retry(let afterNs):
                retries += 1
                lastError = "push to \(settings.endpoint.url) failed (\(detail)); retry \(attempt) in \(afterNs / 1_000_000) ms"
                if attempt == 1 || attempt.isMultiple(of: 10) { logger.notice("logs: \(lastError!)") }
                try? await Task.sleep(for: .nanoseconds(afterNs))
            }
        }
    }
}
