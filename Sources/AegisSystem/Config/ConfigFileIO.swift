import Glibc

/// The few file operations the configuration commands need, with errors an operator can act on.
enum ConfigFileIO {
    /// The whole file as UTF-8 text.
    static func read(_ path: String) throws(SystemError) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError.errno("cannot read \(path)") }
        defer { close(fd) }
        var info = stat()
        if fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
            throw SystemError("cannot read \(path): it is a directory")
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw SystemError.errno("cannot read \(path)")
            }
            if count == 0 { break }
            bytes += chunk[0..<count]
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw SystemError("cannot read \(path): it is not UTF-8 text")
        }
        return text
    }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// `mkdir -p`: creates `path` and its missing parents with `mode` (subject to the umask).
    static func createDirectories(_ path: String, mode: mode_t = 0o755) throws(SystemError) {
        var current = ""
        for component in path.split(separator: "/") {
            current += "/\(component)"
            if mkdir(current, mode) != 0, errno != EEXIST {
                throw SystemError.errno("cannot create \(current)")
            }
        }
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw SystemError("cannot create \(path): it exists and is not a directory")
        }
    }

    /// Replaces `path` with `contents` so that a crash leaves either the old file or the new one,
    /// never half of one: write a temporary file beside it, fsync, rename, fsync the directory.
    static func writeAtomically(_ path: String, contents: String, mode: mode_t) throws(SystemError) {
        let directory = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        let temporary = "\(path).tmp.\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw SystemError.errno("cannot create \(temporary)") }
        var failure: SystemError?
        // The umask may have narrowed the mode; the file's mode is part of the contract.
        if fchmod(fd, mode) != 0 { failure = .errno("cannot chmod \(temporary)") }
        var bytes = Array(contents.utf8)[...]
        while failure == nil, !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                failure = .errno("cannot write \(temporary)")
            } else {
                bytes = bytes.dropFirst(written)
            }
        }
        if failure == nil, fsync(fd) != 0 { failure = .errno("cannot fsync \(temporary)") }
        if close(fd) != 0, failure == nil { failure = .errno("cannot close \(temporary)") }
        if failure == nil, rename(temporary, path) != 0 { failure = .errno("cannot rename \(temporary) to \(path)") }
        if let failure {
            unlink(temporary)
            throw failure
        }
        let directoryFD = open(directory.isEmpty ? "/" : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryFD >= 0 {
            fsync(directoryFD)
            close(directoryFD)
        }
    }
}
