import AegisCore
import Testing
@testable import AegisDaemon

/// Rejoin, promotion and re-seed one at a time: a second is refused at once, naming the first
/// and when it began; the gate is free again once the first has finished.
@Suite struct ReplicationOperationGateTests {
    @Test func aSecondOperationIsRefusedWhileTheFirstRuns_andAdmittedAfter() {
        let gate = ReplicationOperationGate()
        let since = UTCTimestamp(year: 2026, month: 12, day: 1, hour: 8, minute: 5)
        #expect(gate.enter("a rejoin", now: since) == nil)
        let refusal = gate.enter("a promotion", now: since.adding(seconds: 30))
        #expect(refusal?.hasPrefix("a rejoin is already running since \(since)") == true, "\(refusal ?? "admitted")")
        #expect(gate.enter("a rejoin") != nil)
        gate.leave()
        #expect(gate.enter("a promotion") == nil)
        gate.leave()
    }

    /// Many requests at the same moment: exactly one is admitted.
    @Test func ofConcurrentRequestsExactlyOneIsAdmitted() async {
        let gate = ReplicationOperationGate()
        let admitted = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<32 { group.addTask { gate.enter("operation \(index)") == nil } }
            var count = 0
            for await ok in group where ok { count += 1 }
            return count
        }
        #expect(admitted == 1)
    }
}
