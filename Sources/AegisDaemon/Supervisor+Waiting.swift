import AegisCore
import Synchronization

/// Waiting for the services: a condition checked after every event (`wakeWaiters`), never by
/// polling, each wait racing its deadline in a task group.
extension Supervisor {
    /// Waits until `predicate` holds for every service in `ids` (a service that is not there
    /// counts as holding), or `timeout` passes. Woken by the state changes themselves.
    public func waitUntil(
        _ ids: [ServiceID], timeout: Duration, _ predicate: @escaping @Sendable (ServiceStatus) -> Bool
    ) async {
        await wait(for: .statuses(ids, predicate), timeout: timeout)
    }

    /// Every change announced from now on (transitions, health, failures), in order, until the
    /// consumer stops iterating or `stopAll()` ends the stream.
    public nonisolated func changeStream() -> AsyncStream<ServiceChange> {
        broadcast.subscribe()
    }

    /// The number of changes announced so far (transitions, health, failures).
    public var changeCount: Int { changes }

    /// Waits until a change is announced after the `since`-th one, or `timeout` passes; returns
    /// the count then. For whoever mirrors the status somewhere (systemd's STATUS=).
    public func waitForChange(since: Int, timeout: Duration) async -> Int {
        await wait(for: .changeAfter(since), timeout: timeout)
        return changes
    }

    func wait(for condition: Waiter.Condition, timeout: Duration) async {
        guard !holds(condition) else { return }
        // The condition's own wait races a sleep; whichever ends first cancels the other.
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: timeout) }
            group.addTask { await self.waitWithoutDeadline(for: condition) }
            await group.next()
            group.cancelAll()
        }
    }

    /// Suspends until `wakeWaiters` finds `condition` holds, or the task is cancelled.
    func waitWithoutDeadline(for condition: Waiter.Condition) async {
        let key = nextWaiterKey
        nextWaiterKey += 1
        let waiters = self.waiters
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                // Cancellation is checked under the lock the handler takes, so one of the two
                // always resumes the continuation.
                let done = holds(condition) || waiters.table.withLock { table in
                    if Task.isCancelled { return true }
                    table[key] = Waiter(condition: condition, continuation: continuation)
                    return false
                }
                if done { continuation.resume() }
            }
        } onCancel: {
            waiters.table.withLock { $0.removeValue(forKey: key) }?.continuation.resume()
        }
    }

    func holds(_ condition: Waiter.Condition) -> Bool {
        switch condition {
        case .statuses(let ids, let predicate):
            ids.allSatisfy { serviceStatus($0).map(predicate) ?? true }
        case .changeAfter(let since):
            changes > since
        }
    }

    /// After every event: resume the waits whose condition now holds.
    func wakeWaiters() {
        let pending = waiters.table.withLock { $0 }
        let ready = pending.filter { holds($0.value.condition) }.map(\.key)
        guard !ready.isEmpty else { return }
        let released = waiters.table.withLock { all in ready.compactMap { all.removeValue(forKey: $0) } }
        for waiter in released { waiter.continuation.resume() }
    }
}

/// The supervisor's pending waits, behind a lock of their own.
final class WaiterTable: Sendable {
    let table = Mutex<[Int: Waiter]>([:])
}

/// A wait of `Supervisor.waitUntil` or `waitForChange`.
struct Waiter: Sendable {
    enum Condition: Sendable {
        /// Every listed service's status satisfies the predicate.
        case statuses([ServiceID], @Sendable (ServiceStatus) -> Bool)
        /// More changes than this were announced.
        case changeAfter(Int)
    }

    let condition: Condition
    let continuation: CheckedContinuation<Void, Never>
}
