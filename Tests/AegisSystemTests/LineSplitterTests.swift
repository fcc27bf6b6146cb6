import Testing
@testable import AegisSystem

@Suite struct LineSplitterTests {
    func split(_ chunks: [String], finish: Bool = true) -> [String] {
        var splitter = LineSplitter()
        var lines = chunks.flatMap { splitter.split(Array($0.utf8)[...]) }
        if finish, let rest = splitter.finish() { lines.append(rest) }
        return lines
    }

    @Test func testLinesAcrossReads_areJoined_andCRLFIsCutEvenWhenSplitBetweenReads() {
        #expect(split(["one\ntw", "o\nthree\r", "\nfour\r\n", "\n"]) == ["one", "two", "three", "four", ""])
        #expect(split(["a\r\nb\n"]) == ["a", "b"])
    }

    @Test func testAnUnterminatedLastLine_comesAtTheEnd_only() {
        #expect(split(["x\nhalf"], finish: false) == ["x"])
        #expect(split(["x\nhalf"]) == ["x", "half"])
        #expect(split([""]) == [])
    }

    @Test func testALineLongerThanTheLimit_isCutIntoPieces() {
        let limit = PipeLineReader.maxLineBytes
        let long = String(repeating: "z", count: limit * 2 + 10)
        let lines = split([String(long.prefix(limit - 1)), String(long.dropFirst(limit - 1)) + "\nnext\n"])
        #expect(lines.map(\.count) == [limit, limit, 10, 4])
        #expect(lines.last == "next")
    }

    @Test func testNonUTF8Bytes_becomeReplacementCharacters_notALostLine() {
        var splitter = LineSplitter()
        #expect(splitter.split([0x61, 0xFF, 0x62, 0x0A][...]) == ["a\u{FFFD}b"])
    }
}
