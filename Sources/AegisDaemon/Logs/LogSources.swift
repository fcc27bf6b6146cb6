import AegisCore
import AegisSystem
import Foundation
import Logging

/// What the shipper reads besides the children (`[[logs.source]]`): files by glob, their read
/// positions kept in the state directory, and journald units, their cursors kept beside. Neither
/// has a wake-up of its own: the shipper polls them.
struct LogSources {
    private var files: [(job: String, tailer: FileTailer)] = []
    private var journals: [(job: String, tailer: JournalTailer, cursorFile: String)] = []
    /// Lines read from the sources so far.
    private(set) var linesRead = 0

    var isEmpty: Bool { files.isEmpty && journals.isEmpty }

    /// A unit whose journal cannot be opened is left out, with a warning.
    init(
        fileSources: [(job: String, globs: [String])], unitSources: [(job: String, unit: String)], stateDirectory: String,
        logger: Logger
    ) {
        for source in fileSources {
            files.append((source.job, FileTailer(
                globs: source.globs, positionsFile: "\(stateDirectory)/positions-\(source.job).json")))
        }
        for source in unitSources {
            let cursorFile = "\(stateDirectory)/journal-\(source.job).cursor"
            let cursor = (try? FileSystem.read(cursorFile))?.trimmingCharacters(in: .whitespacesAndNewlines)
            do {
                let tailer = try JournalTailer(matches: ["_SYSTEMD_UNIT=\(source.unit)"], after: cursor?.isEmpty == false ? cursor : nil)
                journals.append((source.job, tailer, cursorFile))
            } catch {
                logger.warning("logs: cannot read the journal of \(source.unit) for job \(source.job): \(error.message)")
            }
        }
    }

    /// The new lines of every source, each with its job, in order; a journal's cursor is saved
    /// after its entries are read.
    mutating func poll(nowNs: Int64) -> [(entry: LogEntry, job: String)] {
        var read: [(entry: LogEntry, job: String)] = []
        for (job, tailer) in files {
            for (_, line) in tailer.poll() {
                read.append((LogEntry(timestampNs: nowNs, line: line, level: LogLevelParser.level(of: line)), job))
            }
        }
        for (job, tailer, cursorFile) in journals {
            let entries = tailer.poll()
            for entry in entries {
                let level = entry.priority.flatMap(LogLevel.init(rawValue:)) ?? LogLevelParser.level(of: entry.message)
                read.append((LogEntry(timestampNs: Int64(entry.realtimeUsec) * 1000, line: entry.message, level: level), job))
            }
            if let cursor = entries.last?.cursor {
                try? FileSystem.writeAtomically(cursorFile, contents: cursor + "\n", mode: 0o600)
            }
        }
        linesRead += read.count
        return read
    }
}
