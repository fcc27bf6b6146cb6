import AegisCore
import AegisSystem
import Foundation
import Logging
import Synchronization

/// Sends alert notifications to the `[[alerts.notify]]` targets. `send` only queues; `run`
/// (a part of the metrics service in the daemon's service group) delivers each on a child task
/// of its own, bounded by the target's `timeout_s`. A target with `maxInFlight` deliveries
/// queued or running has further ones dropped (counted as failed), so a slow or hanging hook
/// never holds up aegisd or piles up work. Each outcome is logged and counted per target.
final class AlertNotifier: Sendable {
    static let maxInFlight = 4

    private let targets: [AlertNotifySettings]
    private let host: String
    private let logger: Logger
    private let inFlight: Mutex<[Int]>
    private let counts = Mutex<[NotificationCount]>([])
    /// Commands running now, killed when `run` is cancelled; one that starts after that is
    /// killed as it starts (`stopping`).
    private let commands = Mutex<(running: Set<Int32>, stopping: Bool)>(([], false))
    private let queue: AsyncStream<Delivery>
    private let queueInput: AsyncStream<Delivery>.Continuation
    /// The deliveries started and not finished, so a test can check that none outlives `run`.
    let tally = TaskTally()

    /// One notification for one target.
    private struct Delivery: Sendable {
        let index: Int
        let notification: AlertNotification
        let body: [UInt8]
    }

    init(targets: [AlertNotifySettings], logger: Logger) {
        self.targets = targets
        self.logger = logger
        inFlight = Mutex(Array(repeating: 0, count: targets.count))
        (queue, queueInput) = AsyncStream.makeStream()
        host = HostName.current() ?? "localhost"
    }

    /// Delivers what `send` queues until cancelled; then kills the commands still running (they
    /// would outlive aegisd) and returns once every delivery has ended, a webhook's within its
    /// `timeout_s`. Notifications sent afterwards are dropped.
    func run() async {
        await withDiscardingTaskGroup { group in
            // Ends when the task is cancelled.
            for await delivery in queue {
                tally.enter()
                group.addTask {
                    defer { self.tally.leave() }
                    let target = self.targets[delivery.index]
                    let outcome = await Result { () async throws(SystemError) -> Void in
                        try await self.deliver(delivery.body, to: target)
                    }
                    self.inFlight.withLock { $0[delivery.index] -= 1 }
                    self.record(target, delivery.notification, outcome)
                }
            }
            queueInput.finish()
            let running = commands.withLock { commands in
                commands.stopping = true
                return commands.running
            }
            for pid in running { kill(pid, SIGKILL) }
        }
    }

    /// The notification commands running now.
    var runningCommands: Set<Int32> { commands.withLock { $0.running } }

    /// Deliveries counted so far, per target and outcome.
    var deliveries: [NotificationCount] { counts.withLock { $0 } }

    /// Queues `event` for every target; returns at once.
    func send(_ event: AlertEvent, repeat: Bool) {
        guard !targets.isEmpty else { return }
        let notification = AlertNotification(event, host: host, repeat: `repeat`)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let json = try? encoder.encode(notification) else { return }
        let body = Array(json) + [0x0A]
        for (index, target) in targets.enumerated() {
            let admitted = inFlight.withLock { running in
                guard running[index] < Self.maxInFlight else { return false }
                running[index] += 1
                return true
            }
            guard admitted else {
                record(target, notification, .failure(SystemError("\(Self.maxInFlight) deliveries still running; dropped")))
                continue
            }
            if case .terminated = queueInput.yield(Delivery(index: index, notification: notification, body: body)) {
                inFlight.withLock { $0[index] -= 1 }  // aegisd is stopping
            }
        }
    }

    private func deliver(_ body: [UInt8], to target: AlertNotifySettings) async throws(SystemError) {
        let timeout = Duration.seconds(target.timeoutS)
        do {
            try await runBlocking {
                if !target.command.isEmpty {
                    try NotificationDelivery.run(target.command, input: body, timeout: timeout) { pid, running in
                        let late = self.commands.withLock { commands in
                            if running { commands.running.insert(pid) } else { commands.running.remove(pid) }
                            return running && commands.stopping
                        }
                        if late { kill(pid, SIGKILL) }
                    }
                }
                if !target.url.isEmpty {
                    let endpoint: WebhookEndpoint
                    do { endpoint = try WebhookEndpoint(url: target.url) } catch { throw SystemError("\(error)") }
                    try NotificationDelivery.post(
                        body, to: endpoint, caFile: target.caFile.isEmpty ? nil : target.caFile, timeout: timeout)
                }
            }
        } catch let error as SystemError {
            throw error
        } catch {
            throw SystemError("\(error)")
        }
    }

    private func record(_ target: AlertNotifySettings, _ notification: AlertNotification, _ outcome: Result<Void, SystemError>) {
        let what = "\(notification.alert) \(notification.state.rawValue)\(notification.repeat ? " (repeat)" : "") for \(notification.subject)"
        let delivered: Bool
        switch outcome {
        case .success:
            delivered = true
            logger.notice("alert notification delivered to \(target.name): \(what)")
        case .failure(let error):
            delivered = false
            logger.warning("alert notification to \(target.name) failed: \(what): \(error.message)")
        }
        counts.withLock { counts in
            let outcomeName = delivered ? "delivered" : "failed"
            if let index = counts.firstIndex(where: { $0.target == target.name && $0.outcome == outcomeName }) {
                counts[index].count += 1
            } else {
                counts.append(NotificationCount(target: target.name, outcome: outcomeName, count: 1))
            }
        }
    }
}

extension Result where Failure == SystemError, Success == Void {
    init(_ body: () async throws(SystemError) -> Void) async {
        do {
            try await body()
            self = .success(())
        } catch {
            self = .failure(error)
        }
    }
}
