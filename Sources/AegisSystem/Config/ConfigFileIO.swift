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
}
