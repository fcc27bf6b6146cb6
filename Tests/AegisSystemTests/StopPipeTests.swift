import AegisSystem
import Foundation
import Glibc
import Testing

/// The stop an accept loop sleeps on beside its socket.
@Suite struct StopPipeTests {
    /// A pipe whose read end is readable only once something is written to it.
    static func quietPipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw SystemError.errno("pipe") }
        return (fds[0], fds[1])
    }

    @Test func testAReadyDescriptor_isReported_whileNoStopIsRaised() throws {
        let stop = try StopPipe()
        let pipe = try Self.quietPipe()
        defer { close(pipe.read); close(pipe.write) }
        _ = write(pipe.write, "x", 1)
        #expect(stop.wait(for: pipe.read, events: Int16(POLLIN)))
        #expect(!stop.isRaised)
    }

    @Test func testARaiseFromAnotherThread_endsAWaitOnASilentDescriptor() async throws {
        let stop = try StopPipe()
        let pipe = try Self.quietPipe()
        defer { close(pipe.read); close(pipe.write) }
        let waiting = Task.detached { stop.wait(for: pipe.read, events: Int16(POLLIN)) }
        Thread.detachNewThread { stop.raise() }
        #expect(await waiting.value == false)
    }

    @Test func testOnceRaised_everyWaitEndsAtOnce_evenWithTheDescriptorReady() throws {
        let stop = try StopPipe()
        let pipe = try Self.quietPipe()
        defer { close(pipe.read); close(pipe.write) }
        stop.raise()
        stop.raise()  // idempotent
        _ = write(pipe.write, "x", 1)
        #expect(stop.isRaised)
        #expect(!stop.wait(for: pipe.read, events: Int16(POLLIN)))
        #expect(!stop.wait(for: pipe.read, events: Int16(POLLIN)))
    }
}
