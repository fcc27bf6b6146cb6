import AegisSystem
import Synchronization

/// The earliest of some deadlines (wall-clock nanoseconds), for a task that must act when it
/// passes and otherwise sleep: `note` is called from any thread with a new deadline and wakes
/// the waiter only when it had none to sleep towards, so a busy writer pays a lock and a
/// comparison, not a wake-up, per call.
final class DeadlineAlarm: Sendable {
    private let earliest = Mutex<Int64?>(nil)
    private let noted = Doorbell()

    /// Something is due at `deadlineNs`.
    func note(_ deadlineNs: Int64) {
        let first: Bool = earliest.withLock { earliest in
            guard earliest.map({ deadlineNs < $0 }) ?? true else { return false }
            defer { earliest = deadlineNs }
            return earliest == nil
        }
        if first { noted.ring() }
    }

    /// Takes the earliest noted deadline (nil when none), so that the next `note` of any
    /// deadline wakes `waitForNote`.
    func take() -> Int64? {
        earliest.withLock { earliest in
            defer { earliest = nil }
            return earliest
        }
    }

    /// Returns once a deadline was noted since `take` (at once if one was), or the task is
    /// cancelled.
    func waitForNote() async {
        while !Task.isCancelled, earliest.withLock({ $0 == nil }) {
            await noted.wait()
        }
    }
}
