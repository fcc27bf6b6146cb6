import Foundation
import Glibc

extension ProcessTable {
    /// Living processes running `executable` from the working directory `directory` (a
    /// PostgreSQL cluster's processes all run from its data directory).
    public static func running(_ executable: String, in directory: String) -> [Int32] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return names.compactMap { Int32($0) }.filter { pid in
            workingDirectory(pid) == directory
                && (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe")) == executable
                && isAlive(pid)
        }
    }

    /// Living processes whose command line holds every one of `arguments` (in any position).
    public static func running(withArguments arguments: [String]) -> [Int32] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return names.compactMap { Int32($0) }.filter { pid in
            let line = commandLine(pid)
            return !line.isEmpty && arguments.allSatisfy(line.contains) && isAlive(pid)
        }
    }

    /// Whether `pid` has installed a handler for `signal` (SigCgt in /proc/PID/status): a
    /// server that has not yet done so would be killed by a signal it means to handle.
    public static func catches(_ signal: Int32, pid: Int32) -> Bool {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("SigCgt:") }),
            let mask = UInt64(line.dropFirst("SigCgt:".count).trimmingCharacters(in: .whitespaces), radix: 16)
        else { return false }
        return mask & (UInt64(1) << UInt64(signal - 1)) != 0
    }
}
