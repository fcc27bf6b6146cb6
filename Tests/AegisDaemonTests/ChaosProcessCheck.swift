import AegisCore
import AegisSystem
import Foundation

/// What /proc says about a chaos run's processes: postmasters per data directory (never two),
/// Redis servers, and processes no longer under the running aegisd (orphans).
enum ChaosProcessCheck {
    /// Postmasters by data directory, for data directories under `root`: a process running
    /// `…/postgres` from the data directory whose parent is not itself a postgres (a backend
    /// just forked still shows the postmaster's command line, and leads a session of its own).
    static func postmasters(under root: String) -> [String: [Int32]] {
        var found: [String: [Int32]] = [:]
        for pid in allPids() where ProcessTable.isAlive(pid) {
            guard ProcessTable.commandLine(pid).first?.hasSuffix("/postgres") == true,
                let directory = ProcessTable.workingDirectory(pid), directory.hasPrefix(root),
                let parent = parentPid(pid), executable(parent)?.hasSuffix("/postgres") != true
            else { continue }
            found[directory, default: []].append(pid)
        }
        return found
    }

    static func executable(_ pid: Int32) -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe")
    }

    /// Redis servers started from `dataDir` whose parent is `parent` (a BGSAVE child's parent is
    /// the server, not aegisd).
    static func redisServers(in dataDir: String, parent: Int32) -> [Int32] {
        allPids().filter { pid in
            ProcessTable.isAlive(pid) && parentPid(pid) == parent
                && ProcessTable.workingDirectory(pid) == dataDir
        }
    }

    /// Processes of the run that are not descendants of `daemon`: left behind by a killed
    /// predecessor and never stopped.
    static func orphans(among pids: [Int32], daemon: Int32) -> [Int32] {
        pids.filter { pid in
            var current = pid
            for _ in 0..<64 {
                if current == daemon { return false }
                guard let parent = parentPid(current), parent > 1 else { return true }
                current = parent
            }
            return true
        }
    }

    static func parentPid(_ pid: Int32) -> Int32? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        return fields.count > 1 ? Int32(fields[1]) : nil
    }

    static func allPids() -> [Int32] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap(Int32.init)
    }
}

/// Looks at the postmasters every `interval` for the whole run and remembers any moment with
/// two on one data directory: the end state alone would not show a duplicate that came and went.
final class PostmasterSampler: @unchecked Sendable {
    private let root: String
    private let lock = NSLock()
    private var stopping = false
    private var finished = false
    private(set) var samples = 0
    private(set) var duplicates: [String] = []

    init(root: String) { self.root = root }

    func start(every interval: TimeInterval = 0.2) {
        Thread {
            while !self.lock.withLock({ self.stopping }) {
                let seen = ChaosProcessCheck.postmasters(under: self.root)
                self.lock.withLock {
                    self.samples += 1
                    for (directory, pids) in seen where pids.count > 1 {
                        self.duplicates.append("\(directory): postmasters \(pids)")
                    }
                }
                Thread.sleep(forTimeInterval: interval)  // the sampling period
            }
            self.lock.withLock { self.finished = true }
        }.start()
    }

    func stop() {
        lock.withLock { stopping = true }
    }

    var result: (samples: Int, duplicates: [String]) { lock.withLock { (samples, duplicates) } }
}
