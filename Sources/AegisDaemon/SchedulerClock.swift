import AegisCore
import AegisSystem

/// The wall clock as the job scheduler sees it: what time it is, and a sleep. Injected so that
/// tests drive the scheduler through days, and jumps of the clock, in microseconds.
protocol SchedulerClock: Sendable {
    var now: UTCTimestamp { get }
    /// Sleeps `seconds` of wall time, or until the task is cancelled.
    func sleep(seconds: Int64) async
}

/// The real clock: `UTCTimestamp.now` and `Task.sleep`.
struct SystemSchedulerClock: SchedulerClock {
    var now: UTCTimestamp { .now }

    func sleep(seconds: Int64) async {
        try? await Task.sleep(for: .seconds(seconds))
    }
}
