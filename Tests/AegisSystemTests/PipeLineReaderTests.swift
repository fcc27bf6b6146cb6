import Dispatch
import Glibc
import Synchronization
import Testing
@testable import AegisSystem
import AegisTestSupport

/// Drain-ahead mode: the writer is never made to wait for the line consumer; what does not fit
/// ahead of it is dropped and reported, and everything else arrives in order.
@Suite struct PipeLineReaderTests {
    @Test func testABlockedConsumer_neverBlocksTheWriter_andDroppedBytesAreReported() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let released = DispatchSemaphore(value: 0)
        let received = Mutex<[String]>([])
        let dropped = Atomic<Int>(0)
        PipeLineReader.start(
            [(fds[0], .stdout)], drainAhead: true, aheadMaxBytes: 256 << 10,
            onLines: { _, lines in
                // The consumer is stuck until the writer is done.
                released.wait()
                released.signal()  // for the next batch
                received.withLock { $0 += lines }
            },
            onDropped: { bytes in dropped.add(bytes, ordering: .relaxed) })

        // 4 MiB of numbered 64-byte lines, far more than the 64 KiB pipe and the 256 KiB ahead.
        let lineCount = 65_536
        let text = (0..<lineCount).map { String(format: "%063d\n", $0) }.joined()
        var offset = 0
        let bytes = Array(text.utf8)
        let deadline = ContinuousClock.now + .seconds(30)
        while offset < bytes.count, ContinuousClock.now < deadline {
            let written = bytes[offset...].withUnsafeBytes { write(fds[1], $0.baseAddress, min($0.count, 65536)) }
            if written > 0 { offset += written }
        }
        #expect(offset == bytes.count, "the writer got rid of everything while the consumer was stuck")
        close(fds[1])
        released.signal()

        // Every byte is accounted for, received or counted as dropped (the checks below say
        // which is short if not).
        try? Poll.untilBlocking("every byte received or counted as dropped", timeout: .seconds(30), every: .milliseconds(10)) {
            received.withLock({ $0.filter { !$0.hasPrefix("aegisd:") }.count * 64 }) + dropped.load(ordering: .relaxed) >= bytes.count
        }
        let lines = received.withLock { $0 }
        let data = lines.filter { !$0.hasPrefix("aegisd:") }
        #expect(dropped.load(ordering: .relaxed) > 0)
        #expect(lines.contains { $0.hasPrefix("aegisd: ") && $0.hasSuffix("dropped: the log pipeline fell behind") })
        // What arrived is in order, and arrived plus dropped is everything written (a drop
        // never cuts a line it does not also account for: dropped bytes + kept bytes = all).
        let numbers = data.compactMap { Int($0) }
        #expect(numbers == numbers.sorted())
        #expect(data.map { $0.utf8.count + 1 }.reduce(0, +) + dropped.load(ordering: .relaxed) >= bytes.count - 64)
    }
}
