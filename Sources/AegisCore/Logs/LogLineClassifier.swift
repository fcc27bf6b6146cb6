/// Guesses the syslog priority of a line a child printed, from the severity words PostgreSQL,
/// Redis and Loki put in their lines. Used for journald's PRIORITY so that
/// `journalctl -p err` finds a FATAL.
public enum LogLineClassifier {
    public static func priority(of line: String) -> Int {
        // PostgreSQL: "... [123] FATAL:  ...". Redis: "123:M 01 Jan ... # warning" / "* info".
        // Loki: "level=error ...".
        if line.contains("PANIC:") { return 0 }
        if line.contains("FATAL:") || line.contains("level=fatal") { return 2 }
        if line.contains("ERROR:") || line.contains("level=error") { return 3 }
        if line.contains("WARNING:") || line.contains("level=warn") || line.contains(" # ") { return 4 }
        if line.contains("DEBUG") || line.contains("level=debug") { return 7 }
        return 6
    }
}
