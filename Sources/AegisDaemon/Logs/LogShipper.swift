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
    private var pusher: LokiPusher
    /// Why pushing is held back by a configuration problem (unreadable credentials); an error.
    private var credentialsProblem: String?
    /// The supervised Loki's latest status, written by the supervisor from its own executor
    /// (`lokiStatusChanged`); nil until the first report, or for a remote Loki.
    private let lokiStatus = Mutex<ServiceStatus?>(nil)
    /// The send loop's wait for a change (Loki's state, new credentials, stop); `ring` ends it.
    private var doorbell: CheckedContinuation<Void, Never>?
    private var rang = false
    private var waitToken = 0
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
        pusher = LokiPusher(
            endpoint: settings.endpoint, tls: settings.tls, timeout: settings.pushTimeout, credentials: settings.credentials)
        credentialsProblem = settings.credentialsError.map(Self.problem)
        lastError = credentialsProblem
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
            linesRead: linesRead + sourceLines, linesShipped: shipped, retries: retries, spoolBytes: spool.pendingBytes,
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
    private var lokiWaitReason: String? {
        guard settings.supervisedLoki else { return nil }
        guard let status = lokiStatus.withLock({ $0 }) else { return "loki (not started yet)" }
        if case .wait(let reason) = SupervisedLokiGate.verdict(status) { return reason }
        return nil
    }

    // MARK: - Collecting

    private func collectLoop() async {
        let sourcePollNs: Int64 = 250_000_000
        var lastSourcePollNs = WallClock.nowNs()
        let hasSources = !files.isEmpty || !journals.isEmpty
        while !Task.isCancelled {
            let now = WallClock.nowNs()
            if hasSources, now - lastSourcePollNs >= sourcePollNs {
                pollSources(nowNs: now)
                lastSourcePollNs = now
            }
            collect(nowNs: now)
            if let batch = batcher.due(nowNs: now) { enqueue(batch) }
            // Asleep until there is something to do: entries from the children, the open
            // batch's deadline, or the next read of file and journal sources (which have no
            // wake-up of their own). An idle aegisd does not wake here at all.
            let wakeNs = [batcher.deadlineNs, hasSources ? lastSourcePollNs + sourcePollNs : nil].compactMap { $0 }.min()
            await waitForEntries(untilNs: wakeNs)
            // Then a moment more, so that a burst arrives as one batch rather than a wake-up for
            // every read of a pipe.
            try? await Task.sleep(for: settings.collectInterval)
        }
    }

    /// Returns when the intake holds entries, or at `untilNs` (wall clock), or on cancellation.
    private func waitForEntries(untilNs: Int64?) async {
        let intake = intake
        await withTaskGroup(of: Void.self) { group in
            if let untilNs {
                let delay = untilNs - WallClock.nowNs()
                guard delay > 0 else { return }
                group.addTask { try? await Task.sleep(for: .nanoseconds(delay)) }
            }
            group.addTask { await intake.waitForItems() }
            await group.next()
            group.cancelAll()
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
            recordsQueued()
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

    /// The send loop waiting for a first batch in an empty queue (`recordsQueued` ends it). Apart
    /// from `doorbell`, so that new batches never cut a retry's backoff short.
    private var recordsWaiter: CheckedContinuation<Void, Never>?

    private func recordsQueued() {
        recordsWaiter?.resume()
        recordsWaiter = nil
    }

    /// Returns when a batch is queued or on cancellation (`stop` ends the loop this way).
    private func waitForRecords() async {
        guard !Task.isCancelled else { return }
        await withCheckedContinuation { recordsWaiter = $0 }
    }

    /// Ends the send loop's current `waitForRing`, or the next one if it is not waiting.
    private func ring() {
        if let doorbell {
            self.doorbell = nil
            doorbell.resume()
        } else {
            rang = true
        }
    }

    /// Waits until `ring` (Loki's state changed, new credentials, stop) or `timeoutNs` passed.
    private func waitForRing(timeoutNs: Int64?) async {
        if rang || Task.isCancelled {
            rang = false
            return
        }
        waitToken += 1
        let token = waitToken
        let timer = timeoutNs.map { delay in
            Task {
                try? await Task.sleep(for: .nanoseconds(delay))
                self.ringIfWaiting(token)
            }
        }
        await withCheckedContinuation { doorbell = $0 }
        timer?.cancel()
    }

    private func ringIfWaiting(_ token: Int) {
        if token == waitToken, doorbell != nil { ring() }
    }

    private func sendLoop() async {
        var attempt = 0
        while !Task.isCancelled {
            // Held back: batches keep queueing (memory, then the bounded spool) meanwhile.
            if lokiWaitReason != nil || credentialsProblem != nil {
                attempt = 0
                await waitForRing(timeoutNs: nil)
                continue
            }
            let record: LogSpool.Record?
            do {
                record = try queue.peek()
            } catch {
                lastError = "cannot read the spool: \(error.message)"
                try? await Task.sleep(for: .seconds(1))
                continue
            }
            guard let record else {
                await waitForRecords()
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
                // The supervised Loki stopped while the push was under way: waiting, not failing.
                if lokiWaitReason != nil { continue }
                retries += 1
                lastError = "push to \(settings.endpoint.url) failed (\(detail)); retry \(attempt) in \(afterNs / 1_000_000) ms"
                if attempt == 1 || attempt.isMultiple(of: 10) { logger.notice("logs: \(lastError!)") }
                await waitForRing(timeoutNs: afterNs)
            case .credentialsRefused(let afterNs):
                retries += 1
                lastError = "Loki refused the credentials: \(detail.trimmingCharacters(in: .whitespacesAndNewlines)) "
                    + "(sent \(pusher.credentials)); check [logs] loki_tenant, loki_username and loki_password_file "
                    + "or loki_bearer_token_file, then aegisctl reload; retry \(attempt) in \(afterNs / 1_000_000) ms"
                if attempt == 1 || attempt.isMultiple(of: 10) { logger.error("logs: \(lastError!)") }
                await waitForRing(timeoutNs: afterNs)
            }
        }
    }
}
