import AegisSystem
import Foundation
import Glibc
import AegisTestSupport

/// A real systemd-journald for the tests. Without systemd as PID 1 it still runs, listens on
/// /run/systemd/journal/socket and answers `journalctl`. Started once when none is running
/// (needs root) and left running for the rest of the test run.
enum Journald {
    static let binary = "/lib/systemd/systemd-journald"

    /// Whether a journald is (now) listening.
    static func ensureRunning() async throws -> Bool {
        if JournalWriter.isAvailable { return true }
        guard geteuid() == 0, FileSystem.isExecutable(binary) else { return false }
        try FileManager.default.createDirectory(atPath: "/run/systemd/journal", withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        try await Poll.until("journald's socket", timeout: .seconds(10)) { JournalWriter.isAvailable }
        return true
    }

    /// Entries matching journalctl `matches` (FIELD=value), as decoded JSON objects (`--all`:
    /// fields over 4096 bytes in full, not as null).
    /// - Parameter since: only entries from then on. A `_PID` match alone is not enough: pids
    ///   are reused (pid_max is often 32768) and the journal keeps earlier runs' entries.
    static func entries(_ matches: [String], priority: String? = nil, since: Date? = nil) throws -> [[String: String]] {
        var command = "journalctl --no-pager --all -o json " + matches.map { "'\($0)'" }.joined(separator: " ")
        if let priority { command += " -p \(priority)" }
        if let since { command += " --since @\(Int(since.timeIntervalSince1970))" }
        let output = (try? DaemonHarness.shell(command)) ?? ""
        return output.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                return nil
            }
            return object.compactMapValues { $0 as? String }
        }
    }
}
