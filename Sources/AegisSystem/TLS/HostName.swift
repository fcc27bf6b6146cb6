import Glibc

/// The machine's host name, a subjectAltName of every server certificate so that clients on
/// other hosts can verify the server by the name they dial.
public enum HostName {
    /// `gethostname()`, or nil when it fails or is empty.
    public static func current() -> String? {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return nil }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? nil : name
    }
}
