import Testing

@testable import AegisCore

/// `prune --dry-run`'s plan: every backup with its verdict and the rule behind it, and exactly
/// the removals `expired` makes.
@Suite struct BackupRetentionPlanTests {
    let now = UTCTimestamp(year: 2026, month: 11, day: 28, hour: 12)

    func entry(daysAgo: Int, _ status: BackupManifest.Status?, verified: Bool = false, hoursEarlier: Int = 0) -> BackupRetention.Entry {
        let created = now.adding(seconds: -Int64(daysAgo) * 86_400 - Int64(hoursEarlier) * 3600)
        return BackupRetention.Entry(
            name: BackupName(service: .redis, createdAt: created, encrypted: true),
            status: status, verifiedAt: verified ? created.adding(seconds: 3600) : nil)
    }

    @Test func testEveryBackup_getsItsVerdictAndReason_oldestFirst() {
        let entries = [
            entry(daysAgo: 0, .complete), entry(daysAgo: 1, .complete), entry(daysAgo: 10, .complete),
            entry(daysAgo: 40, .complete, verified: true), entry(daysAgo: 50, .complete), entry(daysAgo: 60, nil),
            entry(daysAgo: 5, nil), entry(daysAgo: 3, .failed), entry(daysAgo: 0, .failed, hoursEarlier: 1),
        ]
        let retention = BackupRetention(retentionDays: 30, keepAtLeast: 2)
        let plan = retention.plan(entries, now: now)
        let days = { (verdict: BackupRetention.Verdict) in Int((now.secondsSinceEpoch - verdict.entry.name.createdAt.secondsSinceEpoch) / 86_400) }
        let table = plan.map { "\(days($0)) \($0.entry.status?.rawValue ?? "-") \($0.remove ? "remove" : "keep"): \($0.reason)" }
        #expect(table == [
            "60 - remove: a file without a manifest, older than 30 days (retention_days)",
            "50 complete remove: older than 30 days (retention_days) and not among the newest 2",
            "40 complete keep: the newest backup a restore drill verified",
            "10 complete keep: younger than 30 days (retention_days)",
            "5 - keep: a file without a manifest, younger than 30 days (retention_days)",
            "3 failed remove: a failed attempt older than a day",
            "1 complete keep: one of the newest 2 complete backups (keep_at_least)",
            "0 failed keep: a failed attempt younger than a day (status shows why it failed)",
            "0 complete keep: the newest complete backup",
        ], "\(table)")
        #expect(plan.filter(\.remove).map(\.entry) == retention.expired(entries, now: now))
    }
}
