import AegisCore
import AegisSystem
import Foundation
import Testing
import AegisTestSupport

@Suite struct FilesystemSpaceTests {
    /// `stat -f` (coreutils) of `path`: total blocks × fundamental block size.
    static func size(of path: String) throws -> Double {
        let fields = try ExternalCommand.run("/usr/bin/stat", ["-f", "-c", "%b %S", path]).output.split(separator: " ")
        return Double(fields[0])! * Double(fields[1].trimmingCharacters(in: .whitespacesAndNewlines))!
    }

    @Test func testSizes_matchStatF_andAMissingDirectoryIsReportedByItsParent() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fs-space-\(getpid())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let missing = "\(directory)/not/yet"
        let figures = FilesystemSpace.figures(of: [directory, missing, directory, "/proc"])
        #expect(figures.map(\.path) == [directory, missing, "/proc"])
        #expect(figures[0].sizeBytes == (try Self.size(of: directory)))
        #expect(figures[1].sizeBytes == figures[0].sizeBytes)
        #expect(figures[0].availableBytes <= figures[0].sizeBytes)
    }
}
