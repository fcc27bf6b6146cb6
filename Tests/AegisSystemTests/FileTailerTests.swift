import AegisSystem
import Foundation
import Testing

@Suite struct FileTailerTests {
    let directory = NSTemporaryDirectory() + "aegis-tail-\(UUID().uuidString)"

    func append(_ path: String, _ lines: [String]) throws {
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(lines.map { $0 + "\n" }.joined().utf8))
        try handle.close()
    }

    @Test func testRotationByRenameAndByTruncation_losesNoLine_andPositionsSurviveARestart() throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let log = directory + "/app.log"
        let positions = directory + "/positions.json"
        var tailer = FileTailer(globs: [directory + "/*.log"], positionsFile: positions)
        var got: [String] = []
        try append(log, ["1", "2"])
        got += tailer.poll().map(\.line)
        // Written, then renamed away before we polled, then a new file under the name.
        try append(log, ["3", "4"])
        try FileManager.default.moveItem(atPath: log, toPath: directory + "/app.log.1")
        try append(log, ["5"])
        got += tailer.poll().map(\.line)
        // copytruncate: the file is emptied in place and written again.
        try append(log, ["6"])
        got += tailer.poll().map(\.line)
        try append(log, ["7"])
        let truncate = try #require(FileHandle(forWritingAtPath: log))
        try truncate.truncate(atOffset: 0)
        try truncate.close()
        try append(log, ["8"])
        got += tailer.poll().map(\.line)
        #expect(got.prefix(6) == ["1", "2", "3", "4", "5", "6"])
        // Line 7 was written before the truncation: read or not depending on timing in real
        // life; here it was never polled, and copytruncate's own copy (app.log.1) holds it.
        #expect(got.last == "8")
        // A partial line is not handed over until its newline arrives.
        let handle = try #require(FileHandle(forWritingAtPath: log))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("9-part".utf8))
        try handle.close()
        #expect(tailer.poll().isEmpty)
        // A restart resumes from the saved position, partial line included.
        tailer = FileTailer(globs: [directory + "/*.log"], positionsFile: positions)
        try append(log, ["-end", "10"])
        #expect(tailer.poll().map(\.line) == ["9-part-end", "10"])
    }
}
