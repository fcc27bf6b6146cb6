import CSystemd
import Foundation

/// The sd_notify protocol through libsystemd: READY=1, STATUS=, WATCHDOG=1, STOPPING=1,
/// RELOADING=1, EXTEND_TIMEOUT_USEC=. Without NOTIFY_SOCKET (not under systemd) every call is a
/// no-op, as libsystemd itself defines.
public struct SystemdNotifier: Sendable {
    public init() {}

    /// Whether a manager listens (NOTIFY_SOCKET is set).
    public var isActive: Bool { ProcessInfo.processInfo.environment["NOTIFY_SOCKET"] != nil }

    public func ready(status: String) { send("READY=1\nSTATUS=\(status.singleLine)") }
    public func status(_ status: String) { send("STATUS=\(status.singleLine)") }
    public func stopping(status: String) { send("STOPPING=1\nSTATUS=\(status.singleLine)") }
    public func watchdog() { send("WATCHDOG=1") }
    /// `RELOADING=1` with the monotonic time systemd (≥ 253) wants beside it; `ready` ends it.
    public func reloading(status: String) {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let micros = UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
        send("RELOADING=1\nMONOTONIC_USEC=\(micros)\nSTATUS=\(status.singleLine)")
    }
    /// Asks for more time before the start or stop timeout fires (first-run initdb, long stops).
    public func extendTimeout(by duration: Duration) {
        let (seconds, attos) = duration.components
        send("EXTEND_TIMEOUT_USEC=\(seconds * 1_000_000 + attos / 1_000_000_000_000)")
    }

    /// The watchdog interval systemd expects pings within (WATCHDOG_USEC), if any.
    public var watchdogInterval: Duration? {
        var usec: UInt64 = 0
        guard sd_watchdog_enabled(0, &usec) > 0, usec > 0 else { return nil }
        return .microseconds(Int64(usec))
    }

    public func send(_ state: String) {
        _ = sd_notify(0, state)
    }
}

extension String {
    /// STATUS= is one line.
    var singleLine: String { replacingOccurrences(of: "\n", with: " ") }
}
