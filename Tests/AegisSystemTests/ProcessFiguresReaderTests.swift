import AegisCore
@testable import AegisSystem
import Foundation
import Testing

@Suite struct ProcessFiguresReaderTests {
    /// A /proc/PID/stat line whose command name holds a space and a parenthesis.
    static let stat = "4242 (aegis d) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 150 0 0 20 0 12 0 5000 123456789 2048 18446744073709551615"

    @Test func testParse_takesTheFieldsAfterTheLastParenthesis() throws {
        let figures = try #require(ProcessFiguresReader.parse(
            stat: Self.stat, bootTime: 1_000_000, ticksPerSecond: 100, pageSize: 4096, openFDs: 7, maxFDs: 1024))
        #expect(figures.cpuSeconds == 4)  // (250 + 150) ticks / 100
        #expect(figures.startTimeSeconds == 1_000_050)  // boot + 5000 / 100
        #expect(figures.virtualMemoryBytes == 123_456_789)
        #expect(figures.residentMemoryBytes == 2048 * 4096)
        #expect(figures.openFileDescriptors == 7)
        #expect(figures.maxFileDescriptors == 1024)
    }

    @Test func testTruncatedStat_isNil() {
        #expect(ProcessFiguresReader.parse(stat: "1 (x) S 1 2", bootTime: 0, ticksPerSecond: 100, pageSize: 4096, openFDs: 0, maxFDs: 0) == nil)
    }

    @Test func testRead_agreesWithProcSelfLimits() throws {
        let figures = try #require(ProcessFiguresReader.read())
        let limits = try String(contentsOfFile: "/proc/self/limits", encoding: .utf8)
        let line = try #require(limits.split(separator: "\n").first { $0.hasPrefix("Max open files") })
        let soft = line.split(separator: " ", omittingEmptySubsequences: true)[3]
        #expect(soft == "unlimited" ? figures.maxFileDescriptors.isInfinite : figures.maxFileDescriptors == Double(soft))
        #expect(figures.openFileDescriptors >= 3)
        #expect(figures.startTimeSeconds <= Date().timeIntervalSince1970)
        #expect(figures.residentMemoryBytes > 0)
    }
}
