import Testing

@testable import AegisCore

/// Retention at fixed clock times: which of a service's backups go.
@Suite struct BackupRetentionTests {
    let now = UTCTimestamp(year: 2026, month: 11, day: 28, hour: 12)

    func entry(daysAgo: Int, _ status: BackupManifest.Status?, verified: Bool = false) -> BackupRetention.Entry {
        let created = now.adding(seconds: -Int64(daysAgo) * 86_400)
        return BackupRetention.Entry(
            name: BackupName(service: .postgresBackend, createdAt: created, encrypted: true),
            status: status, verifiedAt: verified ? created.adding(seconds: 3600) : nil)
    }

    func expiredDays(_ entries: [BackupRetention.Entry], retention: Int = 30, keep: Int = 3) -> [Int] {
        BackupRetention(retentionDays: retention, keepAtLeast: keep).expired(entries, now: now)
            .map { Int((now.secondsSinceEpoch - $0.name.createdAt.secondsSinceEpoch) / 86_400) }
    }

    @Test func testDailyBackups_olderThanRetention_areRemoved_oldestFirst() {
        let entries = (0..<40).map { entry(daysAgo: $0, .complete) }
        #expect(expiredDays(entries) == Array((31..<40).reversed()))
    }

    @Test func testKeepAtLeast_winsOverAge() {
        let entries = [entry(daysAgo: 100, .complete), entry(daysAgo: 90, .complete), entry(daysAgo: 80, .complete),
                       entry(daysAgo: 70, .complete)]
        #expect(expiredDays(entries) == [100])
    }

    @Test func testFailedAttempts_doNotCountTowardsKeepAtLeast_andGoAfterADay() {
        let entries = [entry(daysAgo: 60, .complete), entry(daysAgo: 2, .failed), entry(daysAgo: 0, .failed)]
        // The only complete backup stays though it is past retention; yesterday's failure goes.
        #expect(expiredDays(entries, keep: 1) == [2])
    }

    @Test func testNewestVerifiedBackup_isNeverRemoved() {
        let entries = [entry(daysAgo: 50, .complete, verified: true), entry(daysAgo: 45, .complete),
                       entry(daysAgo: 1, .complete), entry(daysAgo: 0, .complete)]
        #expect(expiredDays(entries, keep: 1) == [45])
    }

    @Test func testFilesWithoutManifest_areAgedByTheirName() {
        let entries = [entry(daysAgo: 31, nil), entry(daysAgo: 29, nil), entry(daysAgo: 0, .complete)]
        #expect(expiredDays(entries, keep: 1) == [31])
    }

    @Test func testExactlyAtTheCutoff_isKept() {
        let entries = [entry(daysAgo: 30, .complete), entry(daysAgo: 0, .complete)]
        #expect(expiredDays(entries, keep: 1) == [])
    }
}
