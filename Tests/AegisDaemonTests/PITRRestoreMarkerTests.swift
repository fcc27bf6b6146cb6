@testable import AegisDaemon
import AegisCore
import AegisSystem
import Foundation
import XCTest

/// A point-in-time restore interrupted between "data directory set aside" and "pgBackRest
/// done" is undone at the next start: the previous directory comes back, nothing is deleted.
final class PITRRestoreMarkerTests: XCTestCase {
    private var root = ""

    override func setUpWithError() throws {
        root = NSTemporaryDirectory() + "pitr-marker-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: root)
    }

    func testInterruptedRestore_putsThePreviousDirectoryBack_andKeepsTheHalfWrittenOne() throws {
        let data = "\(root)/postgres-backend"
        let kept = "\(data).pre_pitr_20261201_000000"
        try FileManager.default.createDirectory(atPath: kept, withIntermediateDirectories: true)
        try "15".write(toFile: "\(kept)/PG_VERSION", atomically: true, encoding: .utf8)
        try PITRRestoreMarker.write(dataDir: data, kept: kept)
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        try "half".write(toFile: "\(data)/half", atomically: true, encoding: .utf8)

        let now = UTCTimestamp(year: 2026, month: 12, day: 1, hour: 1)
        let done = try PITRRestoreMarker.rollBackInterrupted(dataDir: data, now: now)
        XCTAssertNotNil(done)
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(data)/PG_VERSION"), "the previous directory is back")
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(data).failed_pitr_20261201_010000/half"), "nothing deleted")
        XCTAssertFalse(FileManager.default.fileExists(atPath: kept))
        XCTAssertFalse(FileManager.default.fileExists(atPath: PITRRestoreMarker.path(dataDir: data)))
        XCTAssertNil(try PITRRestoreMarker.rollBackInterrupted(dataDir: data), "nothing more to undo")
    }

    func testInterruptedRestoreOfALostDirectory_leavesNoDataDirectory_soTheNextRestoreStartsClean() throws {
        let data = "\(root)/postgres-ai"
        try PITRRestoreMarker.write(dataDir: data, kept: nil)
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        XCTAssertNotNil(try PITRRestoreMarker.rollBackInterrupted(dataDir: data))
        XCTAssertFalse(FileManager.default.fileExists(atPath: data))
    }

    func testNoMarker_nothingHappens() throws {
        let data = "\(root)/postgres-executor"
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        XCTAssertNil(try PITRRestoreMarker.rollBackInterrupted(dataDir: data))
        XCTAssertTrue(FileManager.default.fileExists(atPath: data))
    }
}
