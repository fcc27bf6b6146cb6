/// Guesses the syslog priority of a line a child printed, for journald's `PRIORITY`, so that
/// `journalctl -p err` finds a FATAL. Kept as the journald-facing name of `LogLevelParser`.
public enum LogLineClassifier {
    public static func priority(of line: String) -> Int {
        LogLevelParser.level(of: line).syslogPriority
    }
}
