import AegisCore
import Foundation
import Glibc

/// Reads aegisd's own figures for the standard `process_*` metrics from /proc/self, the way
/// the Prometheus client libraries do: CPU and memory from stat, descriptors from fd/ and the
/// RLIMIT_NOFILE soft limit, the start time from stat's start ticks and /proc/stat's btime.
public enum ProcessFiguresReader {
    public static func read() -> ProcessFigures? {
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
            let boot = bootTime()
        else { return nil }
        return parse(stat: stat, bootTime: boot, ticksPerSecond: Double(sysconf(Int32(_SC_CLK_TCK))),
                     pageSize: Double(sysconf(Int32(_SC_PAGESIZE))), openFDs: openFileDescriptors(), maxFDs: maxFileDescriptors())
    }

    /// When process `pid` started (seconds since the epoch), from its stat start ticks.
    public static func startTime(of pid: Int32) -> Double? {
        guard let entry = ProcessTable.entry(pid), let boot = bootTime() else { return nil }
        return boot + Double(entry.startTime) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Fields after the command name (which may hold spaces and parentheses): field N is
    /// `fields[N - 3]`; utime 14, stime 15, starttime 22, vsize 23, rss 24 (pages).
    static func parse(
        stat: String, bootTime: Double, ticksPerSecond: Double, pageSize: Double, openFDs: Int, maxFDs: Double
    ) -> ProcessFigures? {
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 21, let utime = Double(fields[11]), let stime = Double(fields[12]),
            let start = Double(fields[19]), let vsize = Double(fields[20]), let rss = Double(fields[21])
        else { return nil }
        return ProcessFigures(
            residentMemoryBytes: rss * pageSize, virtualMemoryBytes: vsize, cpuSeconds: (utime + stime) / ticksPerSecond,
            openFileDescriptors: Double(openFDs), maxFileDescriptors: maxFDs,
            startTimeSeconds: bootTime + start / ticksPerSecond)
    }

    private static func bootTime() -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("btime ") {
            return Double(line.dropFirst(6).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }

    private static func openFileDescriptors() -> Int {
        // Minus the descriptor of the directory being listed.
        max(0, ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd"))?.count ?? 1) - 1)
    }

    private static func maxFileDescriptors() -> Double {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 0 }
        return limit.rlim_cur == rlim_t.max ? Double.infinity : Double(limit.rlim_cur)
    }
}
