import CSystemd
import Glibc

/// Fields shared by many journal entries (one child's identifier, service, stream and pid),
/// encoded once as `KEY=value` in one allocation, so that sending an entry of a child's output
/// costs one copy of its message into a reused buffer and one `sd_journal_sendv`, not a string
/// per field.
///
/// Immutable after `init`; one may be used from any thread.
public final class JournalFields: @unchecked Sendable {
    // @unchecked: `storage` is written only in `init` and freed in `deinit`.
    private let storage: UnsafeMutableRawBufferPointer
    private let ranges: [Range<Int>]

    /// - Parameter fields: names upper case without a leading underscore (journald drops those
    ///   from clients); values without a newline.
    public init(_ fields: [(name: String, value: String)]) {
        let encoded = fields.map { Array("\($0.name)=\($0.value)".utf8) }
        storage = .allocate(byteCount: max(encoded.reduce(0) { $0 + $1.count }, 1), alignment: 1)
        var ranges: [Range<Int>] = []
        var offset = 0
        for field in encoded {
            UnsafeMutableRawBufferPointer(rebasing: storage[offset..<offset + field.count]).copyBytes(from: field)
            ranges.append(offset..<offset + field.count)
            offset += field.count
        }
        self.ranges = ranges
    }

    deinit { storage.deallocate() }

    /// Sends one entry: `MESSAGE=message` (newlines kept: libsystemd sends such a field in its
    /// binary-safe form, and an entry too large for a datagram through a sealed memfd),
    /// `PRIORITY=priority` and these fields. `scratch` is the caller's reused buffer for the
    /// message field. Returns false when journald did not take it.
    public func send(message: String, priority: Int, scratch: inout [UInt8]) -> Bool {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: Self.messagePrefix)
        scratch.append(contentsOf: message.utf8)
        let priorityField = Self.priorities[min(max(priority, 0), 7)]
        return scratch.withUnsafeBytes { messageField in
            withUnsafeTemporaryAllocation(of: iovec.self, capacity: ranges.count + 2) { iovecs in
                iovecs[0] = iovec(iov_base: UnsafeMutableRawPointer(mutating: messageField.baseAddress), iov_len: messageField.count)
                iovecs[1] = iovec(
                    iov_base: UnsafeMutableRawPointer(mutating: priorityField.utf8Start), iov_len: priorityField.utf8CodeUnitCount)
                for (index, range) in ranges.enumerated() {
                    iovecs[index + 2] = iovec(iov_base: storage.baseAddress! + range.lowerBound, iov_len: range.count)
                }
                return sd_journal_sendv(iovecs.baseAddress, Int32(iovecs.count)) == 0
            }
        }
    }

    private static let messagePrefix = Array("MESSAGE=".utf8)
    private static let priorities: [StaticString] = [
        "PRIORITY=0", "PRIORITY=1", "PRIORITY=2", "PRIORITY=3", "PRIORITY=4", "PRIORITY=5", "PRIORITY=6", "PRIORITY=7",
    ]
}
