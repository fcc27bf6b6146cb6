import AegisCore
import Glibc

/// Reads an object store's access key id or secret access key from the operator's file
/// (`[pitr] repo2_key_file`, `repo2_secret_key_file`): a regular file only its owner can read or
/// write (0600 or 0400), holding the key on one line (one final newline allowed). Errors name
/// the key and the file and say what to do; they never quote the contents.
public enum S3KeyFile {
    /// No key is longer than this; a bigger file is the wrong file.
    static let sizeLimit = 4096

    /// The key in `path`; `key` is the configuration key that names the file (`pitr.repo2_key_file`).
    public static func read(_ path: String, key: String) throws(SystemError) -> String {
        func fail(_ problem: String) -> SystemError { SystemError("\(key): \(problem)") }
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            throw fail("cannot read \(path): \(reason); write the key into it (one line, chmod 600), readable by aegisd's account")
        }
        defer { close(fd) }
        // The checks are made on the file that was opened, not on the name a moment earlier.
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw fail("cannot read \(path): \(String(cString: strerror(errno)))") }
        guard info.st_mode & S_IFMT == S_IFREG else { throw fail("\(path) is not a regular file") }
        guard info.st_mode & 0o077 == 0 else {
            throw fail("\(path) is readable or writable by group or others (mode \(String(info.st_mode & 0o777, radix: 8))); run `chmod 600 \(path)`")
        }
        guard let bytes = try SmallFileReader.readAll(fd, limit: sizeLimit, what: "cannot read \(path)") else {
            throw fail("\(path) is larger than \(sizeLimit) bytes, too large for a key; write the key alone into it, on one line")
        }
        var text = String(decoding: bytes, as: UTF8.self)
        if text.hasSuffix("\r\n") { text.removeLast(1) } else if text.hasSuffix("\n") { text.removeLast() }
        guard !text.isEmpty else { throw fail("\(path) is empty; write the key into it, on one line") }
        guard text.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7f }) else {
            throw fail("\(path) must hold the key alone on one line (printable ASCII, no spaces or line breaks)")
        }
        return text
    }
}
