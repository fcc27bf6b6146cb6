
/// A serial executor that runs an actor's jobs on one `DedicatedThread` of its own, so that the
/// actor's work can run at background priority (the log shipper: batching, encoding and
/// compressing what a server printed yields the CPU to the server). Blocking calls still belong
/// in `runBlocking`: they would hold up every other job of the actor.
public final class ThreadExecutor: SerialExecutor, Sendable {
    private let jobs = BatchHandOff<UnownedJob>()

    public init(name: String, priority: DedicatedThread.Priority) {
        DedicatedThread.start(name, priority: priority) { [self] in run() }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        jobs.put(CollectionOfOne(UnownedJob(job)))
    }

    /// Ends the thread once the jobs already queued have run (the actor is going away).
    public func close() { jobs.close() }

    private func run() {
        var batch: [UnownedJob] = []
        while jobs.take(into: &batch) {
            for job in batch { job.runSynchronously(on: asUnownedSerialExecutor()) }
        }
    }
}
