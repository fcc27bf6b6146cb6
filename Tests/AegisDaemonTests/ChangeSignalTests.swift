import Testing
@testable import AegisDaemon

/// The generation counter the scheduler waits on for a reload's new jobs.
@Suite struct ChangeSignalTests {
    @Test func testBump_wakesEveryWaiter_andAPassedGenerationReturnsAtOnce() async {
        let signal = ChangeSignal()
        let start = signal.generation
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<3 { group.addTask { await signal.wait(after: start) } }
            signal.bump()
            await group.waitForAll()
        }
        #expect(signal.generation == start + 1)
        await signal.wait(after: start)  // already past: no suspension
    }

    @Test func testCancellation_releasesAWaiter_whetherItWaitsAlreadyOrNot() async {
        let signal = ChangeSignal()
        let waiting = Task { await signal.wait(after: signal.generation) }
        waiting.cancel()
        await waiting.value
        #expect(signal.generation == 0, "no bump happened: the cancellation alone ended the wait")
    }
}
