import Glibc

/// Reads a small file (a key, a passphrase) whole from a descriptor, refusing one larger than a
/// limit instead of reading without end (a device, a pipe that never closes, the wrong file).
enum SmallFileReader {
    /// The bytes until end of file, or nil when there are more than `limit`. `what` begins the
    /// message of a failed read (errno's text follows).
    static func readAll(_ fd: Int32, limit: Int, what: String) throws(SystemError) -> [UInt8]? {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .errno(what)
            }
            if count == 0 { return bytes }
            bytes += chunk[0..<count]
            if bytes.count > limit { return nil }
        }
    }
}
