import Synchronization
import Testing
@testable import AegisDaemon

/// When a kept connection is used, replaced or dropped, counted with stand-in connections (the
/// policy is the same whatever the connection is; the real servers' use of it is in the
/// supervision and metrics tests).
@Suite struct KeptConnectionTests {
    /// A connection: its number in the order made, and whether its next use fails.
    final class Connection {
        let number: Int
        var failure: (any Error)?
        init(number: Int) { self.number = number }
    }

    struct Refused: Error {}
    struct Deadline: Error {}

    /// Makes connections and uses them; `uses` records which connection each use ran on.
    final class Bench {
        let kept: KeptConnection<Connection>
        var made = 0
        var uses: [Int] = []
        var last: Connection?
        var refuseConnecting = false

        init(maxUses: Int? = nil) { kept = KeptConnection(maxUses: maxUses) }

        @discardableResult
        func use(_ during: (Connection) -> Void = { _ in }) throws -> Int {
            try kept.use(
                connect: {
                    if refuseConnecting { throw Refused() }
                    made += 1
                    return Connection(number: made)
                },
                isDeadline: { $0 is Deadline }
            ) { connection in
                last = connection
                during(connection)
                if let failure = connection.failure { throw failure }
                uses.append(connection.number)
                return connection.number
            }
        }
    }

    @Test func testOneConnection_servesEveryUse() throws {
        let bench = Bench()
        for _ in 0..<4 { try bench.use() }
        #expect(bench.uses == [1, 1, 1, 1])
    }

    @Test func testMaxUses_renewsTheConnection() throws {
        let bench = Bench(maxUses: 2)
        for _ in 0..<5 { try bench.use() }
        #expect(bench.uses == [1, 1, 2, 2, 3])
    }

    @Test func testAFailedKeptConnection_isReplacedWithinTheSameUse() throws {
        let bench = Bench()
        try bench.use()
        bench.last?.failure = Refused()  // the server restarted: the old connection is dead
        #expect(try bench.use() == 2)
        #expect(try bench.use() == 2, "the new one is kept")
    }

    @Test func testADeadline_isNotRetried_andNothingIsKept() throws {
        let bench = Bench()
        try bench.use()
        bench.last?.failure = Deadline()  // hung: asking again would double the wait
        #expect(throws: Deadline.self) { try bench.use() }
        #expect(bench.made == 1)
        #expect(try bench.use() == 2, "the next use connects anew")
    }

    @Test func testAFailedConnect_keepsNothing() throws {
        let bench = Bench(maxUses: 1)
        try bench.use()
        bench.refuseConnecting = true
        #expect(throws: Refused.self) { try bench.use() }
        bench.refuseConnecting = false
        #expect(try bench.use() == 2)
    }

    @Test func testReset_dropsTheKeptConnection() throws {
        let bench = Bench()
        try bench.use()
        bench.kept.reset()
        #expect(try bench.use() == 2)
    }

    @Test func testReset_duringAUse_returnsAtOnce_andThatUsesConnectionIsNotKept() throws {
        let bench = Bench()
        try bench.use()
        // The supervisor resets before signalling a process, whatever check is in flight: it
        // must not wait for the check, and the check's connection must not outlive it.
        try bench.use { _ in bench.kept.reset() }
        #expect(try bench.use() == 2)
    }
}
