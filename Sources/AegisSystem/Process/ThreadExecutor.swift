import Foundation

/// A serial executor that runs an actor's jobs on one `DedicatedThread` of its own, so that the
/// actor's work can run at background priority (the log shipper: batching, encoding and
/// compressing what a server printed yields the CPU to the server). Blocking calls still belong
/// in `runBlocking`: they would hold up every other job of the actor.
public final class ThreadExecutor: SerialExecutor, @unchecked Sendable {
    // @unchecked: `jobs` and `closed` are guarded by `condition`.
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var closed = false

    public init(name: String, priority: DedicatedThread.Priority) {
        DedicatedThread.start(name, priority: priority) { [self] in run() }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Ends the thread once the jobs already queued have run (the actor is going away).
    public func close() {
        condition.lock()
        closed = true
        condition.signal()
        condition.unlock()
    }

    private func run() {
        var batch: [UnownedJob] = []
        while true {
            condition.lock()
            while jobs.isEmpty && !closed { condition.wait() }
            if jobs.isEmpty {
                condition.unlock()
                return
            }
            swap(&batch, &jobs)
            condition.unlock()
            for job in batch { job.runSynchronously(on: asUnownedSerialExecutor()) }
            batch.removeAll(keepingCapacity: true)
        }
    }
}
