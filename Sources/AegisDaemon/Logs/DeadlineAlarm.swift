import Synchronization

/// The earliest of some deadlines (wall-clock nanoseconds), for a task that must act when it
/// passes and otherwise sleep: `note` is called from any thread with a new deadline and wakes
/// the waiter only when that deadline is earlier than the one it sleeps towards (or it sleeps
/// without one), so a busy writer pays a lock and a comparison, not a wake-up, per call.
final class DeadlineAlarm: Sendable {
    private struct State {
        var deadlineNs: Int64?
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    /// Something is due at `deadlineNs`.
    func note(_ deadlineNs: Int64) {
        let waiter: CheckedContinuation<Void, Never>? = state.withLock { state in
            guard state.deadlineNs.map({ deadlineNs < $0 }) ?? true else { return nil }
            state.deadlineNs = deadlineNs
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Takes the earliest noted deadline (nil when none), so that the next `note` of any
    /// deadline wakes `wait`.
    func take() -> Int64? {
        state.withLock { state in
            defer { state.deadlineNs = nil }
            return state.deadlineNs
        }
    }

    /// Returns at once when a deadline was noted since `take`, else when one is noted, or the
    /// task is cancelled.
    func waitForNote() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state in
                    guard state.deadlineNs == nil, !Task.isCancelled else { return true }
                    state.waiter = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            // The task's cancelled flag is set before this runs and read under the same lock
            // above, so a waiter is either resumed here or never stored.
            let waiter = state.withLock { state in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
    }
}
