import Glibc

/// Damages a file the way a bad disk or a tamperer would: one byte inverted in place. Writing a
/// fixed byte instead would leave the file unchanged whenever that byte already held that value
/// (one time in 256), and a test of tampering would then pass or fail at random.
public enum ByteFlip {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Inverts every bit of the byte at `offset` of `path`.
    public static func flip(_ path: String, at offset: Int) throws {
        let fd = open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(description: "cannot open \(path): errno \(errno)") }
        defer { close(fd) }
        var byte: UInt8 = 0
        guard pread(fd, &byte, 1, off_t(offset)) == 1 else {
            throw Failure(description: "\(path) has no byte at offset \(offset)")
        }
        byte = ~byte
        guard pwrite(fd, &byte, 1, off_t(offset)) == 1 else {
            throw Failure(description: "cannot write \(path) at offset \(offset): errno \(errno)")
        }
    }
}
