import Foundation
import Glibc

/// Follows the files matching some globs, as Promtail's file targets do, and hands over each
/// complete line once. Positions (inode + offset) are saved in a JSON file so that a restart of
/// aegisd resumes where it left off.
///
/// Rotation is handled both ways logrotate does it:
/// - by rename (`create`): the open descriptor still reads the old file, so its last lines are
///   read to the end first; then the new file under the name is read from its start;
/// - by truncation (`copytruncate`): a file shorter than our offset is read again from 0.
///
/// Lines written after the last poll and before a rename *and* a second rotation are the only
/// ones that can be missed; `poll` often (the shipper does it every 250 ms).
/// Not thread-safe: one owner polls.
public final class FileTailer {
    public let globs: [String]
    public let positionsFile: String
    private var open: [String: (fd: Int32, inode: UInt64)] = [:]
    private var positions: [String: TailPosition] = [:]
    private var partial: [String: [UInt8]] = [:]
    private var dirty = false
    /// A line longer than this is handed over in pieces rather than buffered without bound.
    static let maxLineBytes = 256 * 1024

    public init(globs: [String], positionsFile: String) {
        self.globs = globs
        self.positionsFile = positionsFile
        if let data = FileManager.default.contents(atPath: positionsFile),
           let saved = try? JSONDecoder().decode([String: TailPosition].self, from: data) {
            positions = saved
        }
    }

    deinit {
        for (_, file) in open { close(file.fd) }
    }

    /// Reads what was appended since the last call; returns (path, line) in file order.
    public func poll() -> [(path: String, line: String)] {
        var lines: [(path: String, line: String)] = []
        // Open files too: one renamed away before its successor exists still has lines to give.
        for path in Set(Self.expand(globs) + open.keys).sorted() {
            // The descriptor first: after a rename it still reads the old file's last lines.
            if let file = open[path] { readNew(path, fd: file.fd, into: &lines) }
            var info = stat()
            guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            let inode = UInt64(info.st_ino)
            if let file = open[path], file.inode != inode {
                // Renamed away and replaced: the old file is done, the new one starts at 0.
                close(file.fd)
                open[path] = nil
                partial[path] = nil
                positions[path] = TailPosition(inode: inode, offset: 0)
                dirty = true
            }
            if open[path] == nil {
                let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
                guard fd >= 0 else { continue }
                open[path] = (fd, inode)
                if positions[path]?.inode != inode {
                    positions[path] = TailPosition(inode: inode, offset: 0)
                    dirty = true
                }
            }
            let offset = positions[path]?.offset ?? 0
            if Int(info.st_size) < offset {
                // Truncated in place: everything in it now is new.
                positions[path]?.offset = 0
                partial[path] = nil
                dirty = true
            }
            readNew(path, fd: open[path]!.fd, into: &lines)
        }
        if dirty { save() }
        return lines
    }

    /// The saved position of `path`, for tests and status.
    public func position(of path: String) -> TailPosition? { positions[path] }

    private func readNew(_ path: String, fd: Int32, into lines: inout [(path: String, line: String)]) {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            // Read from the offset after the last complete line plus the partial line held.
            let base = (positions[path]?.offset ?? 0) + (partial[path]?.count ?? 0)
            let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(base)) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return }
            var pending = partial[path] ?? []
            var consumed = 0
            for byte in buffer[0..<count] {
                if byte == UInt8(ascii: "\n") {
                    var line = pending
                    if line.last == UInt8(ascii: "\r") { line.removeLast() }
                    lines.append((path, String(decoding: line, as: UTF8.self)))
                    consumed += pending.count + 1
                    pending.removeAll(keepingCapacity: true)
                } else {
                    pending.append(byte)
                    if pending.count >= Self.maxLineBytes {
                        lines.append((path, String(decoding: pending, as: UTF8.self)))
                        consumed += pending.count
                        pending.removeAll(keepingCapacity: true)
                    }
                }
            }
            // `consumed` counted the earlier partial bytes too: the position moves by them.
            positions[path]?.offset += consumed
            partial[path] = pending
            dirty = true
        }
    }

    private func save() {
        guard let data = try? JSONEncoder().encode(positions) else { return }
        try? FileSystem.writeAtomically(positionsFile, contents: String(decoding: data, as: UTF8.self), mode: 0o600)
        dirty = false
    }

    /// Every regular file matching one of `patterns`, sorted, without duplicates.
    static func expand(_ patterns: [String]) -> [String] {
        var paths = Set<String>()
        for pattern in patterns {
            var result = glob_t()
            defer { globfree(&result) }
            guard glob(pattern, 0, nil, &result) == 0 else { continue }
            for index in 0..<Int(result.gl_pathc) {
                if let cString = result.gl_pathv[index] { paths.insert(String(cString: cString)) }
            }
        }
        return paths.sorted()
    }
}
