import Glibc

/// Removes the temporaries of atomic writes (`FileSystem.stage`: `NAME.tmp.PID.RANDOM`, and the
/// older `NAME.tmp.PID`) that a crash left between writing and renaming.
///
/// Only safe while no other aegisd can be writing in the tree: run it under the
/// `StateDirectoryLock`. Each is a half-finished copy of a file whose previous version is still
/// in place (a rename is all or nothing), so nothing is lost by removing it.
public enum StagedFileSweep {
    /// Walks `root` down to `depth` levels and removes the staged temporaries found; returns their
    /// paths. Directories named in `skipping` (relative to `root`) are not entered, and below
    /// `shallow` ones only their top level is looked at: servers' own trees (a PostgreSQL data
    /// directory, pgBackRest's repository) are theirs to clean.
    public static func run(root: String, depth: Int, skipping: Set<String>, shallow: Set<String>) -> [String] {
        var removed: [String] = []
        walk(root, relative: "", depth: depth, skipping: skipping, shallow: shallow, removed: &removed)
        return removed
    }

    /// `NAME.tmp.DIGITS` or `NAME.tmp.DIGITS.DIGITS`, with a non-empty NAME.
    public static func isStaged(_ name: String) -> Bool {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        let isNumber = { (part: Substring) in !part.isEmpty && part.allSatisfy { ("0"..."9").contains($0) } }
        for digits in [2, 1] where parts.count >= digits + 2 {
            let tail = parts.suffix(digits + 1)
            if tail.first == "tmp", tail.dropFirst().allSatisfy(isNumber), !parts.dropLast(digits + 1).joined().isEmpty {
                return true
            }
        }
        return false
    }

    private static func walk(
        _ directory: String, relative: String, depth: Int, skipping: Set<String>, shallow: Set<String>, removed: inout [String]
    ) {
        guard depth > 0, let stream = opendir(directory) else { return }
        defer { closedir(stream) }
        let parentIsShallow = shallow.contains { relative.hasPrefix($0 + "/") && relative.dropFirst($0.count + 1).contains("/") == false }
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard name != ".", name != ".." else { continue }
            let path = "\(directory)/\(name)"
            let relativePath = relative.isEmpty ? name : "\(relative)/\(name)"
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                guard !skipping.contains(relativePath), !parentIsShallow else { continue }
                walk(path, relative: relativePath, depth: depth - 1, skipping: skipping, shallow: shallow, removed: &removed)
            case S_IFREG where isStaged(name):
                if unlink(path) == 0 { removed.append(path) }
            default:
                continue
            }
        }
    }
}
