import AegisCore
import Testing

@Suite struct MultilineAssemblerTests {
    let prefix = "2026-11-28 17:00:00.123 UTC [42] aegis@db "

    @Test func testErrorWithStatementAndTabContinuations_isOneEntry() {
        var assembler = MultilineAssembler()
        #expect(assembler.lineReceived(prefix + "ERROR:  syntax error at or near \"FORM\"", nowNs: 10).isEmpty)
        #expect(assembler.lineReceived(prefix + "STATEMENT:  SELECT *", nowNs: 11).isEmpty)
        #expect(assembler.lineReceived("\tFORM users", nowNs: 12).isEmpty)
        let done = assembler.lineReceived(prefix + "LOG:  next", nowNs: 13)
        #expect(done.count == 1)
        #expect(done[0].line == prefix + "ERROR:  syntax error at or near \"FORM\"\n" + prefix + "STATEMENT:  SELECT *\n\tFORM users")
        #expect(done[0].level == .error)
        #expect(done[0].timestampNs == 10)
    }

    @Test func testDetailAfterAnInfoLine_isItsOwnEntry() {
        var assembler = MultilineAssembler()
        _ = assembler.lineReceived(prefix + "LOG:  checkpoint starting", nowNs: 1)
        let done = assembler.lineReceived(prefix + "DETAIL:  something", nowNs: 2)
        #expect(done.map(\.line) == [prefix + "LOG:  checkpoint starting"])
    }

    @Test func testPendingEntry_isFlushedAtItsDeadlineOnly() {
        var assembler = MultilineAssembler(policy: .init(maxBytes: 1024, flushAfterNs: 100))
        _ = assembler.lineReceived("alone", nowNs: 1000)
        #expect(assembler.deadlineNs == 1100)
        #expect(assembler.flushDue(nowNs: 1099) == nil)
        #expect(assembler.flushDue(nowNs: 1100)?.line == "alone")
        #expect(assembler.flushDue(nowNs: 5000) == nil)
        #expect(assembler.flush() == nil)
    }

    @Test func testEntry_isCutAtMaxBytes() {
        var assembler = MultilineAssembler(policy: .init(maxBytes: 12, flushAfterNs: 100))
        _ = assembler.lineReceived("x [1] ERROR:  a", nowNs: 1)  // 15 bytes: over the limit alone
        #expect(assembler.flush() == nil)  // it was completed at once
        _ = assembler.lineReceived("first", nowNs: 2)
        let done = assembler.lineReceived("\tsecond-l", nowNs: 3)  // 5 + 1 + 9 > 12: not joined
        #expect(done.map(\.line) == ["first"])
        #expect(assembler.flush()?.line == "\tsecond-l")
    }

    @Test func testOversizedSingleLine_isReturnedImmediately() {
        var assembler = MultilineAssembler(policy: .init(maxBytes: 4, flushAfterNs: 100))
        #expect(assembler.lineReceived("12345", nowNs: 1).map(\.line) == ["12345"])
        #expect(assembler.lineReceived("ab", nowNs: 2).isEmpty)
        #expect(assembler.lineReceived("cd", nowNs: 3).map(\.line) == ["ab"])
    }
}

extension MultilineAssembler {
    /// The entries one line completes, as a value (the tests' view of the appending API).
    fileprivate mutating func lineReceived(_ line: String, nowNs: Int64) -> [LogEntry] {
        var completed: [LogEntry] = []
        lineReceived(line, nowNs: nowNs, completed: &completed)
        return completed
    }
}
