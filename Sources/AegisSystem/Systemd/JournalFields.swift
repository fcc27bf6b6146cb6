import CSystemd
import Glibc

/// Fields shared by many journal entries (one child's identifier, service, stream and pid),
/// encoded once, so that sending an entry of a child's output costs no string per field.
///
/// Held twice in one allocation's worth of bytes: as one `KEY=value\n…` block, the native
/// protocol's form (`JournalSocket`), and as a range per field without its newline, the form
/// `sd_journal_sendv` takes. Immutable after `init`; one may be used from any thread.
public final class JournalFields: @unchecked Sendable {
    // @unchecked: `storage` is written only in `init` and freed in `deinit`.
    private let storage: UnsafeMutableRawBufferPointer
    private let ranges: [Range<Int>]
    private let blockBytes: Int

    /// - Parameter fields: names upper case without a leading underscore (journald drops those
    ///   from clients); values without a newline.
    public init(_ fields: [(name: String, value: String)]) {
        let encoded = fields.map { Array("\($0.name)=\($0.value)\n".utf8) }
        storage = .allocate(byteCount: max(encoded.reduce(0) { $0 + $1.count }, 1), alignment: 1)
        var ranges: [Range<Int>] = []
        var offset = 0
        for field in encoded {
            UnsafeMutableRawBufferPointer(rebasing: storage[offset..<offset + field.count]).copyBytes(from: field)
            ranges.append(offset..<offset + field.count - 1)
            offset += field.count
        }
        self.ranges = ranges
        blockBytes = offset
    }

    deinit { storage.deallocate() }

    /// Every field as `KEY=value\n`, back to back.
    var nativeBlock: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: storage[0..<blockBytes])
    }

    /// Sends one entry through libsystemd, which also handles what a datagram cannot carry
    /// (an entry larger than the socket's buffer goes through a sealed memfd).
    public func sendThroughLibsystemd(message: String, priority: Int) -> Bool {
        let messageField = Array("MESSAGE=\(message)".utf8)
        let priorityField = Array("PRIORITY=\(min(max(priority, 0), 7))".utf8)
        return messageField.withUnsafeBytes { messageBytes in
            priorityField.withUnsafeBytes { priorityBytes in
                withUnsafeTemporaryAllocation(of: iovec.self, capacity: ranges.count + 2) { iovecs in
                    iovecs[0] = iovec(iov_base: UnsafeMutableRawPointer(mutating: messageBytes.baseAddress), iov_len: messageBytes.count)
                    iovecs[1] = iovec(iov_base: UnsafeMutableRawPointer(mutating: priorityBytes.baseAddress), iov_len: priorityBytes.count)
                    for (index, range) in ranges.enumerated() {
                        iovecs[index + 2] = iovec(iov_base: storage.baseAddress! + range.lowerBound, iov_len: range.count)
                    }
                    return sd_journal_sendv(iovecs.baseAddress, Int32(iovecs.count)) == 0
                }
            }
        }
    }
}
