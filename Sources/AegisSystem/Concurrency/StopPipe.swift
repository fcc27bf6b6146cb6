import Glibc
import Synchronization

/// A stop request an accept loop can `poll()` beside its listening socket: a pipe whose read end
/// becomes readable, for good, once `raise()` writes to it. The loop sleeps in one `poll` with
/// no timeout and wakes for a client or the stop, where waking every few hundred milliseconds
/// to look at a flag cost an idle daemon a wake-up per loop four times a second.
public final class StopPipe: Sendable {
    private let readEnd: Int32
    private let writeEnd: Int32
    private let raised = Atomic<Bool>(false)

    public init() throws(SystemError) {
        (readEnd, writeEnd) = try ChildProcess.makePipe()
    }

    deinit {
        Glibc.close(readEnd)
        Glibc.close(writeEnd)
    }

    /// Whether `raise()` was called.
    public var isRaised: Bool { raised.load(ordering: .acquiring) }

    /// Wakes every present and future `wait`. Idempotent; safe from any thread.
    public func raise() {
        guard !raised.exchange(true, ordering: .acquiringAndReleasing) else { return }
        // One byte, never read: the read end stays readable from now on. A pipe holds far more
        // than a byte, so this write cannot block.
        var byte: UInt8 = 1
        while Glibc.write(writeEnd, &byte, 1) < 0 && errno == EINTR {}
    }

    /// Waits, without a deadline, until `fd` is ready for `events` or the stop is raised.
    /// True when `fd` is ready and no stop was raised; hang-up and error count as ready (the
    /// following call on `fd` reports them precisely).
    public func wait(for fd: Int32, events: Int16) -> Bool {
        var entries = [pollfd(fd: fd, events: events, revents: 0), pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)]
        while true {
            let ready = poll(&entries, 2, -1)
            if ready > 0 { return entries[1].revents == 0 && !isRaised }
            if ready < 0 && errno != EINTR { return !isRaised }
        }
    }
}
