import AegisCore
import Synchronization
@testable import AegisDaemon

/// A `SchedulerClock` the test drives: wall time that can jump either way, and sleeps that end
/// when the test lets enough time pass (`advance`), as `Task.sleep` ends on the monotonic clock
/// whatever the wall clock does. `nextSleep()` returns when the scheduler has gone to sleep, so
/// each step hands over deterministically, without waiting on real time.
final class ManualSchedulerClock: SchedulerClock {
    private struct Sleeper {
        let until: Int64
        let continuation: CheckedContinuation<Void, Never>
    }

    private struct State {
        var wall: UTCTimestamp
        var monotonic: Int64 = 0
        var sleepers: [Int: Sleeper] = [:]
        var nextKey = 0
        /// Sleeps begun so far, and how many of them `nextSleep()` has seen.
        var sleepsBegun = 0
        var sleepsSeen = 0
        var watcher: (target: Int, continuation: CheckedContinuation<Void, Never>)?
    }

    private let state: Mutex<State>

    init(wall: UTCTimestamp) {
        state = Mutex(State(wall: wall))
    }

    var now: UTCTimestamp { state.withLock { $0.wall } }

    func sleep(seconds: Int64) async {
        let key = state.withLock { state in
            defer { state.nextKey += 1 }
            return state.nextKey
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let watcher = state.withLock { state -> CheckedContinuation<Void, Never>? in
                    state.sleepers[key] = Sleeper(until: state.monotonic + seconds, continuation: continuation)
                    state.sleepsBegun += 1
                    guard let watcher = state.watcher, watcher.target <= state.sleepsBegun else { return nil }
                    state.watcher = nil
                    return watcher.continuation
                }
                watcher?.resume()
            }
        } onCancel: {
            state.withLock { $0.sleepers.removeValue(forKey: key) }?.continuation.resume()
        }
    }

    /// Returns once the scheduler has begun its next sleep (one not seen by an earlier call).
    func nextSleep() async {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Bool in
                state.sleepsSeen += 1
                if state.sleepsBegun >= state.sleepsSeen { return true }
                state.watcher = (state.sleepsSeen, continuation)
                return false
            }
            if ready { continuation.resume() }
        }
    }

    /// Lets `seconds` pass on both clocks, waking the sleeps that end by then.
    func advance(seconds: Int64) {
        let woken = state.withLock { state -> [Sleeper] in
            state.monotonic += seconds
            state.wall = UTCTimestamp(secondsSinceEpoch: state.wall.secondsSinceEpoch + seconds)
            let due = state.sleepers.filter { $0.value.until <= state.monotonic }
            for key in due.keys { state.sleepers[key] = nil }
            return Array(due.values)
        }
        for sleeper in woken { sleeper.continuation.resume() }
    }

    /// Sets the wall clock (an NTP step, a restored snapshot); sleeps are not shortened.
    func jumpWall(to time: UTCTimestamp) {
        state.withLock { $0.wall = time }
    }
}
