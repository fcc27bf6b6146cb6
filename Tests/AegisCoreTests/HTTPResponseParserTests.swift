import Testing
@testable import AegisCore

/// The one HTTP/1.1 response reader: every way a body ends, fed whole and one byte at a time.
@Suite struct HTTPResponseParserTests {
    /// Feeds `text` in pieces of `step` bytes; then, if still incomplete, the close.
    func parse(_ text: String, step: Int, maxBodyBytes: Int = 64 * 1024) throws(HTTPResponseParser.Failure) -> HTTPResponse {
        var parser = HTTPResponseParser(maxBodyBytes: maxBodyBytes)
        let bytes = Array(text.utf8)
        var index = 0
        while index < bytes.count {
            let piece = bytes[index..<min(bytes.count, index + step)]
            index += step
            if case .complete(let response) = try parser.feed(piece) { return response }
        }
        return try parser.finish()
    }

    static let cases: [(name: String, raw: String, status: Int, body: String)] = [
        ("content-length", "HTTP/1.1 400 Bad Request\r\nContent-Length: 11\r\n\r\nbad labels!", 400, "bad labels!"),
        ("204 without a length", "HTTP/1.1 204 No Content\r\nDate: x\r\n\r\n", 204, ""),
        ("chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nready\r\n3;ext=1\r\n!!!\r\n0\r\n\r\n", 200, "ready!!!"),
        ("chunked with a trailer", "HTTP/1.1 429 Too Many\r\ntransfer-encoding: chunked\r\n\r\n4\r\nslow\r\n0\r\nX-T: 1\r\n\r\n", 429, "slow"),
        ("until the close", "HTTP/1.0 200 OK\r\nServer: loki\r\n\r\nready\n", 200, "ready\n"),
        ("an interim 100 first", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n", 204, ""),
        ("header spacing", "HTTP/1.1 200 OK\r\nContent-Length:\t2 \r\n\r\nok", 200, "ok"),
    ]

    @Test(arguments: cases.indices)
    func testEachFraming_wholeAndByteByByte(_ index: Int) throws {
        let example = Self.cases[index]
        for step in [1, 7, 1 << 20] {
            let response = try parse(example.raw, step: step)
            #expect(response.status == example.status, "\(example.name), step \(step)")
            #expect(response.bodyText == example.body, "\(example.name), step \(step)")
            #expect(!response.bodyTruncated)
        }
    }

    @Test func testTheBodyIsCutAtTheBound_andTheRestNotAwaited() throws {
        var parser = HTTPResponseParser(maxBodyBytes: 4)
        let outcome = try parser.feed(Array("HTTP/1.1 500 Oops\r\nContent-Length: 1000000\r\n\r\nabcdefgh".utf8))
        guard case .complete(let response) = outcome else { Issue.record("not complete: \(outcome)"); return }
        #expect(response.body == Array("abcd".utf8) && response.bodyTruncated)
        #expect(response.headers["content-length"] == "1000000")
    }

    @Test func testBrokenResponses_sayWhatIsWrong() {
        #expect(throws: HTTPResponseParser.Failure.notHTTP) { try parse("SSH-2.0-OpenSSH\r\n", step: 3) }
        #expect(throws: HTTPResponseParser.Failure.notHTTP) { try parse("", step: 1) }
        #expect(throws: HTTPResponseParser.Failure.truncated) { try parse("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", step: 2) }
        #expect(throws: HTTPResponseParser.Failure.truncated) { try parse("HTTP/1.1 200 OK\r\nContent-Le", step: 2) }
        #expect(throws: HTTPResponseParser.Failure.badChunk) {
            try parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n", step: 1)
        }
        #expect(throws: HTTPResponseParser.Failure.badHeader("no colon here")) {
            try parse("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", step: 5)
        }
        var parser = HTTPResponseParser(maxHeadBytes: 64)
        #expect(throws: HTTPResponseParser.Failure.headTooLarge(limit: 64)) {
            try parser.feed(Array(("HTTP/1.1 200 OK\r\n" + String(repeating: "X-A: b\r\n", count: 20)).utf8))
        }
        #expect(HTTPResponseParser.Failure.truncated.description.contains("closed in the middle"))
    }
}
