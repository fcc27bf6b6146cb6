import Glibc

/// The real-time clock, in nanoseconds since the Unix epoch: what journald and Loki timestamp with.
public enum WallClock {
    public static func nowNs() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }
}
