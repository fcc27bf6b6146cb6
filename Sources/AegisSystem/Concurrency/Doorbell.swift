import Synchronization

/// How one task sleeps until another thread has news for it: `ring` from anywhere (a reader
/// thread, a cancellation handler) wakes the task in `wait`, or, when it is not waiting yet,
/// makes its next `wait` return at once, so no ring is ever lost between a check and the wait.
/// Cancelling the waiting task wakes it too. For one waiter at a time.
public final class Doorbell: Sendable {
    private struct State {
        var rung = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    public init() {}

    public func ring() {
        let waiter: CheckedContinuation<Void, Never>? = state.withLock { state in
            guard let waiter = state.waiter else {
                state.rung = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Returns after the next `ring` (or at once for one that came since the last `wait`), or
    /// when the task is cancelled.
    public func wait() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                // Cancellation is checked under the lock the handler takes, so one of the two
                // always resumes the continuation.
                let ready = state.withLock { state in
                    if state.rung || Task.isCancelled {
                        state.rung = false
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
    }
}
