import CAegisShims
import Glibc

/// Waits for processes aegisd cannot `waitpid` (a previous aegisd's children, the members of a
/// child's process group) to exit. Each gets a pidfd, which the kernel makes readable when the
/// process exits, so the wait is woken by the exit itself instead of rereading /proc.
public enum ProcessExitWait {
    /// Waits until every process of `pids` has exited (or was gone already), at most `timeout`.
    /// Returns whether all are gone.
    public static func untilExited(_ pids: [Int32], timeout: Duration) async -> Bool {
        var descriptors: [Int32] = []
        var unwatchable: [Int32] = []
        for pid in pids {
            let fd = aegis_pidfd_open(pid)
            if fd >= 0 {
                descriptors.append(fd)
            } else if errno != ESRCH {
                unwatchable.append(pid)
            }
        }
        defer { for fd in descriptors { close(fd) } }
        let deadline = ContinuousClock.now + timeout
        guard unwatchable.isEmpty else {
            // No pidfd (a kernel before 5.3, or a filter that denies it): /proc, checked
            // every 20 ms, as the only way left to see a process that is not our child go.
            while ContinuousClock.now < deadline {
                if !pids.contains(where: ProcessTable.isAlive) { return true }
                try? await Task.sleep(for: .milliseconds(20))
            }
            return !pids.contains(where: ProcessTable.isAlive)
        }
        guard !descriptors.isEmpty else { return true }
        let watched = descriptors
        return (try? await runBlocking { waitReadable(watched, until: deadline) }) ?? false
    }

    /// poll(2) until each descriptor is readable (its process exited) or the deadline passes.
    static func waitReadable(_ descriptors: [Int32], until deadline: ContinuousClock.Instant) -> Bool {
        var pending = descriptors.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        while !pending.isEmpty {
            let left = deadline - ContinuousClock.now
            guard left > .zero else { return false }
            let (seconds, attoseconds) = left.components
            let milliseconds = Int32(min(Int64(Int32.max), seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1))
            let ready = poll(&pending, nfds_t(pending.count), milliseconds)
            if ready < 0, errno != EINTR { return false }
            pending = pending.filter { $0.revents == 0 }
        }
        return true
    }
}
