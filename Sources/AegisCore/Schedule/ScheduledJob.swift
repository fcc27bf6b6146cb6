/// One scheduled job's state: its schedule, when it last ran and when it is next due. A value the
/// daemon's scheduler actor keeps in a `CronTable`; it reads no clock, the daemon passes `now`.
public struct ScheduledJob: Sendable, CustomStringConvertible {
    /// What the daemon runs: `backup`, `verify`, a maintenance job's name.
    public let name: String
    public let expression: CronExpression
    public let timeZone: any TimeZoneRules
    /// When the last run began, nil if it never ran.
    public private(set) var lastRun: UTCTimestamp?
    /// When the job is next due; nil when its expression never fires.
    public private(set) var nextDue: UTCTimestamp?
    /// What the catch-up policy decided when the job was set up, for the start-up log.
    public let startDecision: CatchUpDecision

    /// Sets the job up at daemon start (or reload) from its recorded last run: due now when the
    /// catch-up policy says so, otherwise at its next scheduled time.
    public init(
        name: String, expression: CronExpression, timeZone: any TimeZoneRules,
        lastRun: UTCTimestamp?, now: UTCTimestamp, catchUp: CatchUpPolicy = .default
    ) {
        self.name = name
        self.expression = expression
        self.timeZone = timeZone
        self.lastRun = lastRun
        startDecision = catchUp.decide(lastRun: lastRun, expression: expression, in: timeZone, now: now)
        if case .runNow = startDecision {
            nextDue = now
        } else {
            nextDue = expression.nextFire(after: now, in: timeZone)
        }
    }

    /// Due at `now`: its time has come and it has not been started for that time.
    public func isDue(at now: UTCTimestamp) -> Bool {
        nextDue.map { $0 <= now } ?? false
    }

    /// Records that the job started at `now` and moves `nextDue` to the first occurrence after
    /// it. Occurrences that passed while the daemon slept or the job was late are dropped, not
    /// queued: a late wake-up runs a job once.
    public mutating func markStarted(at now: UTCTimestamp) {
        lastRun = now
        nextDue = expression.nextFire(after: now, in: timeZone)
    }

    /// Recomputes `nextDue` from `now` without running, for when the wall clock was set back
    /// past `nextDue`'s basis or the job was skipped (a run still in progress, say).
    public mutating func skip(at now: UTCTimestamp) {
        nextDue = expression.nextFire(after: now, in: timeZone)
    }

    /// `backup: 0 2 * * * (Europe/Berlin), next 2026-03-29T01:00:00Z`.
    public var description: String {
        "\(name): \(expression) (\(timeZone.identifier)), next " + (nextDue.map(\.description) ?? "never")
    }
}

extension ScheduledJob: Equatable {
    /// Zones compare by identifier: two rule sets with one name are the same zone to a reader.
    public static func == (lhs: ScheduledJob, rhs: ScheduledJob) -> Bool {
        lhs.name == rhs.name && lhs.expression == rhs.expression
            && lhs.timeZone.identifier == rhs.timeZone.identifier && lhs.lastRun == rhs.lastRun
            && lhs.nextDue == rhs.nextDue && lhs.startDecision == rhs.startDecision
    }
}
