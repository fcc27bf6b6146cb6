import AegisCore
import Testing
@testable import AegisSystem

/// The release on a real process: this test binary, which has touched far more of its own code
/// (relocations, every test run before) than the next few calls will.
@Suite struct StartupMemoryTests {
    /// Resident kB of this process's clean, read-only mappings of its executable.
    static func residentOfReleasable() throws -> Int {
        let executable = try #require(StartupMemory.ownExecutable())
        let mappings = try #require(StartupMemory.ownMappings())
        return ReleasableMappings.releasable(mappings, executable: executable).map(\.residentKiB).reduce(0, +)
    }

    @Test func testRelease_dropsTheExecutablesCleanPages_andTheProcessRunsOn() throws {
        let before = try Self.residentOfReleasable()
        let outcome = StartupMemory.release()
        let after = try Self.residentOfReleasable()
        #expect(outcome.mappings > 0 && outcome.releasedKiB > 0, "\(outcome)")
        // Whatever ran since (reading smaps again, this test's own code) was mapped again on use,
        // from the page cache: the process runs on, and far less of its code is mapped.
        #expect(after < before, "resident kB of the executable's clean mappings: \(before) before, \(after) after")
    }
}
