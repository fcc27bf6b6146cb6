import AegisCore
import AegisSystem
import Glibc
import Logging

/// The record of a point-in-time restore between "data directory renamed aside" and "pgBackRest
/// finished writing the new one": `<data dir>.pitr-restore`, holding the kept directory's path
/// (empty when there was none). When aegisd dies in that window, the next start of the instance
/// finds it and puts the previous data directory back before anything runs on the half-written
/// one. Once pgBackRest has finished, the marker goes: a restored directory is complete, and
/// PostgreSQL resumes an interrupted recovery by itself.
enum PITRRestoreMarker {
    static func path(dataDir: String) -> String { "\(dataDir).pitr-restore" }

    static func write(dataDir: String, kept: String?) throws(SystemError) {
        try FileSystem.writeAtomically(path(dataDir: dataDir), contents: (kept ?? "") + "\n", mode: 0o600)
    }

    static func remove(dataDir: String) {
        FileSystem.remove(path(dataDir: dataDir))
    }

    /// Undoes a restore that was interrupted; returns what was done, or nil when there was
    /// nothing to undo. The half-written directory is kept as `….failed_pitr_<time>`.
    @discardableResult
    static func rollBackInterrupted(dataDir: String, now: UTCTimestamp = .now) throws(SystemError) -> String? {
        guard let text = try FileSystem.read(path(dataDir: dataDir)) else { return nil }
        let kept = String(text.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
        var done = "an interrupted point-in-time restore was undone"
        if FileSystem.exists(dataDir) {
            let failed = "\(dataDir).failed_pitr_\(now.fileStamp)"
            guard rename(dataDir, failed) == 0 else { throw .errno("cannot set the half-restored \(dataDir) aside") }
            done += "; the half-restored directory is kept as \(failed)"
        }
        if !kept.isEmpty, FileSystem.exists(kept) {
            guard rename(kept, dataDir) == 0 else { throw .errno("cannot put \(kept) back as \(dataDir)") }
            done += "; \(dataDir) is the previous data directory again"
        }
        remove(dataDir: dataDir)
        return done
    }
}
