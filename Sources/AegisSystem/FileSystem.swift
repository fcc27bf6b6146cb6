import Foundation
import Glibc

/// Files and directories the way a daemon holding other people's data must write them:
/// atomically (temp file, fsync, rename, fsync of the directory), with explicit modes and owners.
public enum FileSystem {
    /// `mkdir -p`, then the leaf gets `mode` and, when given, the owner.
    public static func makeDirectory(_ path: String, mode: mode_t, owner: ServiceAccount? = nil) throws(SystemError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw SystemError("cannot create directory \(path): \(error.localizedDescription)")
        }
        guard chmod(path, mode) == 0 else { throw .errno("chmod \(path)") }
        if let owner, owner.switchesUser {
            guard chown(path, owner.uid, owner.gid) == 0 else { throw .errno("chown \(path)") }
        }
    }

    /// Replaces `path` with `contents` so that a reader sees the old file or the new one, never
    /// a mix, and a crash leaves one of the two.
    public static func writeAtomically(
        _ path: String, contents: String, mode: mode_t, owner: ServiceAccount? = nil
    ) throws(SystemError) {
        let temporary = try stage(path, contents: contents, mode: mode, owner: owner)
        try commit(temporary, to: path)
        syncDirectory(of: path)
    }

    /// The first half of an atomic write: `contents` written and fsynced beside `path`, under a
    /// temporary name that `commit` renames. Lets a caller put several files in place within
    /// microseconds of each other (a certificate and its key).
    public static func stage(_ path: String, contents: String, mode: mode_t, owner: ServiceAccount? = nil) throws(SystemError) -> String {
        // Unique per call, not per process: two tasks of aegisd writing one file at once (three
        // instances creating one shared secret) must not share, and rename away, one temporary.
        let temporary = "\(path).tmp.\(getpid()).\(UInt64.random(in: 0...UInt64.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw .errno("cannot write \(temporary)") }
        var failure: SystemError?
        let bytes = Array(contents.utf8)
        var offset = 0
        while offset < bytes.count && failure == nil {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if written < 0 && errno != EINTR { failure = .errno("cannot write \(temporary)") }
            if written > 0 { offset += written }
        }
        if failure == nil, fchmod(fd, mode) != 0 { failure = .errno("chmod \(temporary)") }
        if failure == nil, let owner, owner.switchesUser, fchown(fd, owner.uid, owner.gid) != 0 {
            failure = .errno("chown \(temporary)")
        }
        if failure == nil, fsync(fd) != 0 { failure = .errno("fsync \(temporary)") }
        close(fd)
        if let failure {
            unlink(temporary)
            throw failure
        }
        return temporary
    }

    /// The second half: the staged file takes `path`'s place (the caller syncs the directory).
    public static func commit(_ temporary: String, to path: String) throws(SystemError) {
        guard rename(temporary, path) == 0 else {
            let failure = SystemError.errno("rename \(temporary) to \(path)")
            unlink(temporary)
            throw failure
        }
    }

    /// The file's contents, or nil when it does not exist.
    public static func read(_ path: String) throws(SystemError) -> String? {
        guard access(path, F_OK) == 0 else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SystemError("cannot read \(path)")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Removes a file; a missing file is not an error.
    public static func remove(_ path: String) {
        unlink(path)
    }

    public static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    public static func isExecutable(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG && access(path, X_OK) == 0
    }

    /// Resolves a program name the way a shell would: a path is taken as is, a bare name is
    /// looked up on PATH.
    public static func findExecutable(_ nameOrPath: String, path: String? = nil) -> String? {
        if nameOrPath.contains("/") { return isExecutable(nameOrPath) ? nameOrPath : nil }
        let searchPath = path ?? ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        let directories = searchPath.split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/local/sbin"]
        return directories.map { "\($0)/\(nameOrPath)" }.first(where: isExecutable)
    }

    /// fsync of the directory holding `path`, so that a rename into it survives a crash.
    public static func syncDirectory(of path: String) {
        let directory = (path as NSString).deletingLastPathComponent
        let fd = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }
}
