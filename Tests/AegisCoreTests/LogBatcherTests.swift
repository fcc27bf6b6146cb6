import AegisCore
import Foundation
import Testing

@Suite struct LogBatcherTests {
    let a = LogStreamLabels(["job": "a"])
    let b = LogStreamLabels(["job": "b"])

    func entry(_ ns: Int64, _ line: String) -> LogEntry { LogEntry(timestampNs: ns, line: line, level: .info) }

    @Test func testBatch_isCompleteAtMaxBytes_andKeepsPerStreamOrder() {
        var batcher = LogBatcher(policy: .init(maxBytes: 10, maxWaitNs: 1_000))
        #expect(batcher.add(entry(1, "aaa"), to: a, nowNs: 0) == nil)
        #expect(batcher.add(entry(2, "bbb"), to: b, nowNs: 0) == nil)
        #expect(batcher.add(entry(3, "ccc"), to: a, nowNs: 0) == nil)
        let full = batcher.add(entry(4, "dd"), to: b, nowNs: 0)  // 9 + 2 > 10: the first three go
        #expect(full?.streams.map(\.labels) == [a, b])
        #expect(full?.streams[0].entries.map(\.line) == ["aaa", "ccc"])
        #expect(full?.bytes == 9)
        #expect(batcher.flush()?.streams.map { $0.entries.map(\.line) } == [["dd"]])
    }

    @Test func testBatch_isDueAfterMaxWaitFromItsFirstEntry() {
        var batcher = LogBatcher(policy: .init(maxBytes: 1 << 20, maxWaitNs: 1_000))
        _ = batcher.add(entry(1, "x"), to: a, nowNs: 500)
        _ = batcher.add(entry(2, "y"), to: a, nowNs: 1_400)
        #expect(batcher.deadlineNs == 1_500)
        #expect(batcher.due(nowNs: 1_499) == nil)
        #expect(batcher.due(nowNs: 1_500)?.entryCount == 2)
        #expect(batcher.deadlineNs == nil)
    }

    @Test func testTimestamps_neverGoBackwardsWithinAStream_evenAcrossBatches() {
        var batcher = LogBatcher(policy: .init(maxBytes: 1 << 20, maxWaitNs: 1_000))
        _ = batcher.add(entry(100, "first"), to: a, nowNs: 0)
        _ = batcher.add(entry(50, "clock stepped back"), to: a, nowNs: 0)
        _ = batcher.add(entry(40, "other stream"), to: b, nowNs: 0)
        let one = batcher.flush()!
        #expect(one.streams[0].entries.map(\.timestampNs) == [100, 100])
        #expect(one.streams[1].entries.map(\.timestampNs) == [40])
        _ = batcher.add(entry(70, "next batch"), to: a, nowNs: 0)
        #expect(batcher.flush()!.streams[0].entries.map(\.timestampNs) == [100])
    }

    @Test func testPushBody_isLokisJSONShape() throws {
        var batcher = LogBatcher()
        _ = batcher.add(entry(1_700_000_000_000_000_001, "say \"hi\"\n\tbye\u{1}"), to: LogStreamLabels(["job": "a", "level": "info"]), nowNs: 0)
        let body = LokiPushEncoder.encode(batcher.flush()!)
        let text = String(decoding: body, as: UTF8.self)
        #expect(text == #"{"streams":[{"stream":{"job":"a","level":"info"},"values":[["1700000000000000001","say \"hi\"\n\tbye\u0001"]]}]}"#)
        // And it is JSON a standard parser reads back to the same line.
        let object = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
        let streams = try #require(object["streams"] as? [[String: Any]])
        let values = try #require(streams[0]["values"] as? [[String]])
        #expect(values[0][1] == "say \"hi\"\n\tbye\u{1}")
    }

    @Test func testPushBody_escapesEveryLineSoAStandardParserReadsItBack() throws {
        let lines = ["back\\slash", "cr\r and tab\t", "unit \u{1F} del \u{7F}", "ünïcödé ✓ 🐘", "", "\"quoted\""]
        var batcher = LogBatcher()
        for (n, line) in lines.enumerated() {
            let labels = LogStreamLabels(["job": n.isMultiple(of: 2) ? "a" : "b\"q", "level": "info"])
            _ = batcher.add(entry(Int64(n) * 1_000_000_007, line), to: labels, nowNs: 0)
        }
        let body = LokiPushEncoder.encode(batcher.flush()!)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
        let streams = try #require(object["streams"] as? [[String: Any]])
        #expect(streams.compactMap { ($0["stream"] as? [String: String])?["job"] } == ["a", "b\"q"])
        let values = streams.compactMap { $0["values"] as? [[String]] }
        #expect(values.flatMap { $0.map { $0[1] } }.sorted() == lines.sorted())
        #expect(values[0].map { $0[0] } == ["0", "2000000014", "4000000028"])
        #expect(String(decoding: body, as: UTF8.self).contains(#""unit \u001f del \#u{7F}""#))
    }
}
