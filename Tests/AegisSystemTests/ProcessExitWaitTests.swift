import AegisSystem
import Foundation
import Glibc
import Testing
import AegisTestSupport

/// Waiting on pidfds for processes we do not wait for ourselves.
@Suite struct ProcessExitWaitTests {
    /// `sleep 600`, or with `withChild` a second one in its process group, as a postmaster's
    /// backends are (Foundation starts each child as the leader of a group of its own).
    static func sleeper(withChild: Bool = false) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", withChild ? "sleep 600 & exec sleep 600" : "exec sleep 600"]
        try process.run()
        return process
    }

    @Test func testAnExitWakesTheWait_aLivingProcessTimesOut_aGoneOneIsNoWait() async throws {
        let process = try Self.sleeper()
        let pid = process.processIdentifier
        #expect(await ProcessExitWait.untilExited([pid], timeout: .milliseconds(200)) == false)
        #expect(ProcessTable.isAlive(pid))
        async let exited = ProcessExitWait.untilExited([pid], timeout: .seconds(30))
        // SIGKILL: the test runner's children inherit an ignored SIGTERM.
        kill(pid, SIGKILL)
        #expect(await exited)
        process.waitUntilExit()
        #expect(await ProcessExitWait.untilExited([pid], timeout: .zero), "a reaped pid is gone")
    }

    @Test func testKillGroupAndWait_leavesNoMemberOfTheGroup() async throws {
        let process = try Self.sleeper(withChild: true)
        let leader = process.processIdentifier
        defer { if process.isRunning { kill(leader, SIGKILL) } }
        // Never signal a group that is not the child's own: it would be the test runner's.
        try #require(ProcessTable.entry(leader)?.processGroup == leader)
        try await Poll.until("the sleeper's child in its group") { ProcessTable.members(ofGroup: leader).count >= 2 }
        let members = ProcessTable.members(ofGroup: leader)
        #expect(members.count == 2, "\(members)")
        #expect(await ProcessTable.killGroupAndWait(leader, timeout: .seconds(10)))
        #expect(ProcessTable.members(ofGroup: leader).isEmpty)
        process.waitUntilExit()
    }
}
