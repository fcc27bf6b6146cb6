import Dispatch
import Synchronization

/// The pid of one launch, handed from the spawning task to the thread that reads the child's
/// output.
///
/// The reader starts before the spawn (the pipes must exist first) and a child may print before
/// the spawn is reported, so the reader waits for the pid rather than tagging those first lines
/// with none. The wait is bounded: a spawn that failed has no pid to wait for.
final class SpawnedPid: Sendable {
    private let value = Mutex<Int32?>(nil)
    private let known = DispatchSemaphore(value: 0)

    func set(_ pid: Int32) {
        value.withLock { $0 = pid }
        known.signal()
    }

    /// The pid, waiting for it up to `atMostMs` the first time. Then it is read without waiting.
    func wait(atMostMs: Int = 1000) -> Int32? {
        if let pid = value.withLock({ $0 }) { return pid }
        if known.wait(timeout: .now() + .milliseconds(atMostMs)) == .success {
            known.signal()  // for the other stream's reader, which may be waiting too
        }
        return value.withLock { $0 }
    }
}
