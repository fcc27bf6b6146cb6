import AegisCore
import Testing

@Suite struct DiskSpaceGuardTests {
    static func filesystem(availableGiB: Double, sizeGiB: Double = 100) -> FilesystemFigures {
        FilesystemFigures(path: "/var/lib/aegisd/backups", availableBytes: availableGiB * 1_073_741_824, sizeBytes: sizeGiB * 1_073_741_824)
    }

    @Test(arguments: [
        // free GiB, last backup GiB, min %, refused
        (50.0, 1.0, 10, false),
        (12.0, 1.0, 10, false),  // 11 % left
        (10.5, 1.0, 10, true),  // 9.5 % left
        (9.0, 0.0, 10, true),  // already under, even with no previous backup
        (9.0, 0.0, 0, false),  // the check is off
        (60.0, 55.0, 10, true),  // a huge backup
    ])
    func testRefusal(free: Double, lastGiB: Double, minFree: Int, refused: Bool) {
        let refusal = DiskSpaceGuard.refusal(
            service: "postgres-ai", filesystem: Self.filesystem(availableGiB: free),
            estimateBytes: Int64(lastGiB * 1_073_741_824), minFreePercent: minFree)
        #expect((refusal != nil) == refused)
    }

    @Test func testRefusal_namesTheFiguresAndWhatToDo() throws {
        let refusal = try #require(DiskSpaceGuard.refusal(
            service: "redis", filesystem: Self.filesystem(availableGiB: 10.5), estimateBytes: 1_073_741_824, minFreePercent: 10))
        #expect(refusal.contains("backup of redis refused"))
        #expect(refusal.contains("/var/lib/aegisd/backups"))
        #expect(refusal.contains("10752 MiB free"))
        #expect(refusal.contains("would leave 9.5%"))
        #expect(refusal.contains("backup.min_free_percent = 10%"))
    }

    @Test func testAFilesystemOfSizeZero_isNeverRefused() {
        #expect(DiskSpaceGuard.refusal(
            service: "redis", filesystem: FilesystemFigures(path: "/proc", availableBytes: 0, sizeBytes: 0), estimateBytes: 0,
            minFreePercent: 10) == nil)
    }
}
