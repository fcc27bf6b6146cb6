/// Every scheduled job of the daemon — backups, restore drills, maintenance — in one value: the
/// scheduler actor asks it what is due at an instant and when to wake up next, and performs the
/// jobs it hands out. It decides, it does not run anything.
public struct CronTable: Sendable, Equatable {
    /// In the order given, which is also the order due jobs are handed out.
    public private(set) var jobs: [ScheduledJob]

    /// Job names must be unique; the daemon makes them from its configuration.
    public init(_ jobs: [ScheduledJob] = []) {
        precondition(Set(jobs.map(\.name)).count == jobs.count, "duplicate job names")
        self.jobs = jobs
    }

    public subscript(name: String) -> ScheduledJob? {
        jobs.first { $0.name == name }
    }

    /// Adds a job or replaces the one with its name (configuration reload).
    public mutating func upsert(_ job: ScheduledJob) {
        if let index = jobs.firstIndex(where: { $0.name == job.name }) {
            jobs[index] = job
        } else {
            jobs.append(job)
        }
    }

    /// The names of the jobs due at `now`, each marked started at `now` so that it is handed out
    /// once; their next due times move past `now`.
    public mutating func takeDue(at now: UTCTimestamp) -> [String] {
        var due: [String] = []
        for index in jobs.indices where jobs[index].isDue(at: now) {
            jobs[index].markStarted(at: now)
            due.append(jobs[index].name)
        }
        return due
    }

    /// When the daemon should next call `takeDue`: the earliest `nextDue`, or nil when no job
    /// will ever be due. The daemon sleeps until then. After a forward jump of the wall clock
    /// the overdue jobs are due once; after a backward jump they would wait for their computed
    /// instant, so the daemon calls `reschedule(at:)`.
    public var nextWakeUp: UTCTimestamp? {
        jobs.compactMap(\.nextDue).min()
    }

    /// Recomputes every job's next due time from `now` without running anything: after the wall
    /// clock was set back, or the time zone rules changed.
    public mutating func reschedule(at now: UTCTimestamp) {
        for index in jobs.indices {
            jobs[index].skip(at: now)
        }
    }
}
