import AegisCore
import AegisSystem

/// Collecting: the children's entries from the intake and the `[[logs.source]]` lines, batched
/// (`LogBatcher`) and queued; asleep while there is nothing to do.
extension LogShipper {
    func collectLoop() async {
        let sourcePollNs: Int64 = 250_000_000
        var lastSourcePollNs = WallClock.nowNs()
        let hasSources = !sources.isEmpty
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

    func collect(nowNs: Int64) {
        for item in intake.drain() {
            add(item.entry, job: item.job, service: item.service, nowNs: nowNs)
        }
    }

    private func pollSources(nowNs: Int64) {
        for (entry, job) in sources.poll(nowNs: nowNs) {
            add(entry, job: job, service: nil, nowNs: nowNs)
        }
    }

    private func add(_ entry: LogEntry, job: String, service: String?, nowNs: Int64) {
        if let batch = batcher.add(entry, to: labels.labels(of: entry, job: job, service: service), nowNs: nowNs) {
            enqueue(batch)
        }
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
    static func record(_ batch: LogBatch) throws(SystemError) -> LogSpool.Record {
        LogSpool.Record(body: try LokiPusher.compressedBody(json: LokiPushEncoder.encode(batch)), entries: batch.entryCount)
    }
}
