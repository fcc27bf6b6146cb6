import AegisSystem
import Foundation
import Testing

@Suite struct LogSpoolTests {
    let directory = NSTemporaryDirectory() + "aegis-spool-\(UUID().uuidString)"

    func record(_ n: Int, size: Int = 10) -> LogSpool.Record {
        LogSpool.Record(body: Array(String(repeating: "\(n % 10)", count: size).utf8), entries: n)
    }

    @Test func testRecords_comeBackInOrder_andSurviveReopening() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var spool = try LogSpool(directory: directory, maxBytes: 1 << 20, segmentBytes: 64)
        for n in 1...6 { try spool.append(record(n)) }
        #expect(try spool.peek() == record(1))
        try spool.acknowledge()
        #expect(try spool.peek() == record(2))
        // Not acknowledged: after a restart record 2 comes again (at-least-once).
        spool = try LogSpool(directory: directory, maxBytes: 1 << 20, segmentBytes: 64)
        var seen: [Int] = []
        while let next = try spool.peek() {
            seen.append(next.entries)
            try spool.acknowledge()
        }
        #expect(seen == [2, 3, 4, 5, 6])
        #expect(spool.isEmpty)
        #expect(spool.pendingBytes == 0)
    }

    @Test func testTornTail_isDetectedAndDiscarded_earlierRecordsKept() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let spool = try LogSpool(directory: directory, maxBytes: 1 << 20)
        try spool.append(record(1))
        try spool.append(record(2))
        let segment = try #require(try FileManager.default.contentsOfDirectory(atPath: directory).first { $0.hasSuffix(".seg") })
        let path = directory + "/" + segment
        // A crash mid-append: the last record's header is whole, its body cut short.
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data([20, 0, 0, 0, 1, 2, 3, 4, 3, 0, 0, 0]) + Data("abc".utf8))
        try handle.close()
        let reopened = try LogSpool(directory: directory, maxBytes: 1 << 20)
        #expect(reopened.damagedRecords == 1)
        #expect(try reopened.peek() == record(1))
        try reopened.acknowledge()
        #expect(try reopened.peek() == record(2))
        try reopened.acknowledge()
        #expect(try reopened.peek() == nil)
        // And appending after the cut works.
        try reopened.append(record(3))
        #expect(try reopened.peek() == record(3))
    }

    @Test func testFlippedByte_failsTheCRC() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let spool = try LogSpool(directory: directory, maxBytes: 1 << 20)
        try spool.append(record(1))
        let segment = try #require(try FileManager.default.contentsOfDirectory(atPath: directory).first { $0.hasSuffix(".seg") })
        var bytes = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + segment))
        bytes[bytes.count - 1] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: directory + "/" + segment))
        let reopened = try LogSpool(directory: directory, maxBytes: 1 << 20)
        #expect(try reopened.peek() == nil)
        #expect(reopened.damagedRecords == 1)
    }

    @Test func testOverTheCap_theOldestSegmentIsDroppedAndItsEntriesCounted() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Each framed record is 12 + 10 bytes; two fit a segment of 50, the cap holds two segments.
        let spool = try LogSpool(directory: directory, maxBytes: 100, segmentBytes: 50)
        for n in 1...6 { try spool.append(record(n)) }
        #expect(spool.pendingBytes <= 100)
        #expect(spool.droppedEntries == 1 + 2)  // the segment of records 1 and 2
        var seen: [Int] = []
        while let next = try spool.peek() {
            seen.append(next.entries)
            try spool.acknowledge()
        }
        #expect(seen == [3, 4, 5, 6])
    }
}
