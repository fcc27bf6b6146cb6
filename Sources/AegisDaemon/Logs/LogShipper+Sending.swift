import AegisCore
import AegisSystem
import Logging

/// Sending: one batch at a time from the queue to Loki, retried as `ShipRetryPolicy` decides,
/// held back while the supervised Loki is not running or the credentials cannot be read.
extension LogShipper {
    func recordsQueued() {
        recordsWaiter?.resume()
        recordsWaiter = nil
    }

    /// Returns when a batch is queued or on cancellation (`stop` ends the loop this way).
    private func waitForRecords() async {
        guard !Task.isCancelled else { return }
        await withCheckedContinuation { recordsWaiter = $0 }
    }

    /// Ends the send loop's current `waitForRing`, or the next one if it is not waiting.
    func ring() {
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

    func sendLoop() async {
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
