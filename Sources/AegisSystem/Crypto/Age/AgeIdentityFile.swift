import Glibc

/// An age identity file (`AGE-SECRET-KEY-1…` lines, the format `age-keygen` writes) as the
/// operator holds it. `aegisctl` reads it with the operator's own permissions and sends its text
/// to the daemon, which never opens the operator's path itself.
public enum AgeIdentityFile {
    /// Far above a file of a few identities; a larger one is the wrong file.
    public static let sizeLimit = 16 * 1024

    /// The text of the identity file at `path`, `-` meaning standard input, after checking that
    /// it holds at least one identity. Errors name the file and the reason (errno's text for a
    /// file that cannot be read), never a line of it.
    public static func read(_ path: String) throws(SystemError) -> String {
        if path == "-" { return try read(STDIN_FILENO, name: "standard input") }
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else { throw .errno("cannot read the identity file \(path)") }
        defer { close(fd) }
        return try read(fd, name: path)
    }

    /// The text read from `fd` (which stays open), checked as `read(_:)` does.
    public static func read(_ fd: Int32, name: String) throws(SystemError) -> String {
        let bytes = try SmallFileReader.readAll(fd, limit: sizeLimit, what: "cannot read the identity file \(name)")
        guard let bytes else {
            throw SystemError("\(name) is larger than \(sizeLimit / 1024) KiB: not an age identity file")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw SystemError("\(name) is not an age identity file: it is not text")
        }
        do {
            _ = try AgeX25519Identity.parseIdentityFile(text)
        } catch {
            throw SystemError("\(name): \(error) (expected the AGE-SECRET-KEY-1… file that age-keygen writes)")
        }
        return text
    }
}
