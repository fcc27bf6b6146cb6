/// The severity of a log entry, on syslog's scale. Drives journald's `PRIORITY` and Loki's
/// `level` label, so `journalctl -p err` and `{level="error"}` find the same lines.
public enum LogLevel: Int, Sendable, Equatable, Comparable, CaseIterable {
    case emergency = 0, alert, critical, error, warning, notice, info, debug

    /// syslog priority (0 emergency … 7 debug), journald's `PRIORITY`.
    public var syslogPriority: Int { rawValue }

    /// The value of Loki's `level` label: the names Grafana colours (`critical`, `error`, `warn`,
    /// `info`, `debug`), so Explore's log-level histogram works without a mapping.
    public var lokiName: String {
        switch self {
        case .emergency, .alert, .critical: "critical"
        case .error: "error"
        case .warning: "warn"
        case .notice, .info: "info"
        case .debug: "debug"
        }
    }

    /// Lower is more severe, as in syslog; `<` reads "more severe than".
    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rawValue < rhs.rawValue }
}
