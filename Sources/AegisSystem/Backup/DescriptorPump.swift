import Glibc

/// Copies everything readable from a descriptor (a pipe from pg_dump, an RDB file) into a
/// sink until end of file, in large reads. Blocking: run it with `runBlocking`.
public enum DescriptorPump {
    public static let chunkSize = 256 * 1024

    /// Returns the number of bytes copied. Closes `fd` when `closing` is set, also on error, so
    /// a writer at the other end of a pipe sees EPIPE instead of blocking forever.
    public static func copy(from fd: Int32, closing: Bool, into sink: any ByteSink, what: String) throws -> Int64 {
        defer { if closing { close(fd) } }
        var buffer = [UInt8](repeating: 0, count: chunkSize)
        var total: Int64 = 0
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count == 0 { return total }
            if count < 0 {
                if errno == EINTR { continue }
                throw SystemError.errno("cannot read \(what)")
            }
            try buffer.withUnsafeBytes { try sink.write(UnsafeRawBufferPointer(rebasing: $0.prefix(count))) }
            total += Int64(count)
        }
    }
}
