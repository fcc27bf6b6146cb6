import Foundation
import Glibc

/// What /proc says about processes. Zombies count as gone: PID 1 may be slow to reap the
/// orphans aegisd leaves it, and a zombie holds no pipe, no lock and no shared memory.
public enum ProcessTable {
    /// One line of /proc/PID/stat, the fields we use.
    public struct Entry: Sendable, Equatable {
        public let pid: Int32
        public let state: Character
        public let processGroup: Int32
        /// Clock ticks since boot when the process started: with the pid, a unique identity.
        public let startTime: UInt64
    }

    public static func entry(_ pid: Int32) -> Entry? {
        guard pid > 0, let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else {
            return nil
        }
        return parseStat(text)
    }

    /// Parses /proc/PID/stat. The command name (field 2) may hold spaces and parentheses, so the
    /// fields after it are found from the last ')'.
    static func parseStat(_ text: String) -> Entry? {
        guard let close = text.lastIndex(of: ")"),
            let pid = Int32(text.prefix { $0 != " " })
        else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state); field N is fields[N - 3].
        guard fields.count > 19, let state = fields[0].first, let pgrp = Int32(fields[2]),
            let start = UInt64(fields[19])
        else { return nil }
        return Entry(pid: pid, state: state, processGroup: pgrp, startTime: start)
    }

    /// Alive and not a zombie.
    public static func isAlive(_ pid: Int32) -> Bool {
        guard let entry = entry(pid) else { return false }
        return entry.state != "Z" && entry.state != "X"
    }

    /// Living members of a process group.
    public static func members(ofGroup group: Int32) -> [Int32] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return names.compactMap { Int32($0) }.filter { pid in
            guard let entry = entry(pid) else { return false }
            return entry.processGroup == group && entry.state != "Z" && entry.state != "X"
        }
    }

    /// The NUL-separated command line of a process.
    public static func commandLine(_ pid: Int32) -> [String] {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return [] }
        return data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The current directory of a process (a postmaster's is its data directory).
    public static func workingDirectory(_ pid: Int32) -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/cwd")
    }

    /// Sends a signal; a process that is already gone is not an error.
    @discardableResult
    public static func send(_ signal: Int32, to pid: Int32, group: Bool = false) -> Bool {
        guard pid > 1 else { return false }  // never -1 or 0: that would signal everything of ours
        return kill(group ? -pid : pid, signal) == 0
    }

    /// SIGKILLs a process group and waits until no living member is left (or `timeout` passes).
    /// Returns whether the group is empty.
    /// Each round reads /proc once for the members, then waits for their exits on pidfds; a
    /// member that forked before the SIGKILL reached it shows up in the next round's reading.
    public static func killGroupAndWait(_ group: Int32, timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while true {
            let members = members(ofGroup: group)
            if members.isEmpty { return true }
            send(SIGKILL, to: group, group: true)
            let left = deadline - ContinuousClock.now
            guard left > .zero, await ProcessExitWait.untilExited(members, timeout: left) else {
                return self.members(ofGroup: group).isEmpty
            }
        }
    }
}

extension ProcessTable {
    public static var currentPid: Int32 { getpid() }

    /// Cores online on this machine.
    public static var onlineCPUs: Int { max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))) }
}
