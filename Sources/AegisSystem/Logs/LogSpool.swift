import Foundation
import Glibc

/// A bounded first-in first-out queue of push bodies on disk, for the batches Loki has not taken
/// yet: append-only segment files (`<number>.seg`) of CRC-framed records (`SpoolFrame`) and a
/// `cursor` file with the read position.
///
/// - Durability: `append` returns after `fdatasync`, so an appended record survives a crash. A
///   record torn by a crash mid-append fails its CRC at the next open and is cut off.
/// - Delivery: the cursor moves after Loki acknowledged a record; a crash in between sends the
///   record again (at-least-once; Loki drops an entry identical to one it has).
/// - Bound: when the segments exceed `maxBytes`, the oldest segment is deleted and its unsent
///   entries are counted in `droppedEntries`. The newest data is what an operator needs.
///
/// Not thread-safe: one owner (the shipper actor) uses it.
public final class LogSpool {
    public struct Record: Sendable, Equatable {
        public var body: [UInt8]
        public var entries: Int

        public init(body: [UInt8], entries: Int) {
            self.body = body
            self.entries = entries
        }
    }

    public let directory: String
    public let maxBytes: Int
    public let segmentBytes: Int
    /// Entries lost because the spool was full (oldest first) or a record was damaged.
    public private(set) var droppedEntries = 0
    /// Damaged records skipped (torn tails at open, CRC mismatches).
    public private(set) var damagedRecords = 0

    private var segments: [Int] = []
    private var sizes: [Int: Int] = [:]
    private var cursor: (segment: Int, offset: Int) = (0, 0)
    private var writer: Int32 = -1
    private var peeked: Int?

    /// Opens (creating) the spool in `directory`, discarding a torn tail.
    public init(directory: String, maxBytes: Int, segmentBytes: Int? = nil) throws(SystemError) {
        self.directory = directory
        self.maxBytes = max(maxBytes, 1)
        self.segmentBytes = segmentBytes ?? max(min(maxBytes / 8, 16 << 20), 64 << 10)
        try FileSystem.makeDirectory(directory, mode: 0o700)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        segments = names.compactMap(segmentNumber).sorted()
        for segment in segments { sizes[segment] = Self.fileSize(path(of: segment)) }
        if let text = try FileSystem.read(cursorPath) {
            // A damaged cursor (a negative offset once made every later record unreadable)
            // starts over at the oldest segment: records are sent again, never skipped.
            let parts = text.split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
            if parts.count == 2, Self.segmentNumbers.contains(parts[0]), parts[1] >= 0 {
                cursor = (parts[0], parts[1])
            } else {
                damagedRecords += 1
            }
        }
        for segment in segments where segment < cursor.segment { removeSegment(segment) }
        if segments.isEmpty { segments = [max(cursor.segment, 1)] }
        if cursor.segment != segments[0] { cursor = (segments[0], 0) }
        try cutTornTail(of: segments.last!)
        cursor.offset = min(cursor.offset, sizes[cursor.segment] ?? 0)
        try openWriter()
    }

    deinit {
        if writer >= 0 { close(writer) }
    }

    /// Bytes of records not yet acknowledged.
    public var pendingBytes: Int {
        segments.reduce(0) { $0 + (sizes[$1] ?? 0) } - cursor.offset
    }

    public var isEmpty: Bool { pendingBytes == 0 }

    /// Appends `record` durably, first dropping the oldest segments if the spool would exceed
    /// its bound.
    public func append(_ record: Record) throws(SystemError) {
        let frame = SpoolFrame.encode(body: record.body, entries: record.entries)
        let last = segments.last!
        if (sizes[last] ?? 0) > 0, (sizes[last] ?? 0) + frame.count > segmentBytes {
            close(writer)
            segments.append(last + 1)
            sizes[last + 1] = 0
            try openWriter()
        }
        while segments.count > 1, segments.reduce(0, { $0 + (sizes[$1] ?? 0) }) + frame.count > maxBytes {
            dropOldestSegment()
        }
        var offset = 0
        while offset < frame.count {
            let written = frame[offset...].withUnsafeBytes { write(writer, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                let error = SystemError.errno("cannot append to the log spool in \(directory)")
                // A partial frame would be a torn tail in the middle of the file: cut it now.
                _ = ftruncate(writer, off_t(sizes[segments.last!] ?? 0))
                throw error
            }
            offset += written
        }
        guard fdatasync(writer) == 0 else { throw .errno("fdatasync of the log spool") }
        sizes[segments.last!, default: 0] += frame.count
    }

    /// The oldest unacknowledged record, or nil when there is none.
    public func peek() throws(SystemError) -> Record? {
        while true {
            let segment = cursor.segment
            let size = sizes[segment] ?? 0
            if cursor.offset >= size {
                guard segment != segments.last else { return nil }
                removeSegment(segment)
                cursor = (segments[0], 0)
                try saveCursor()
                continue
            }
            let fd = open(path(of: segment), O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw .errno("cannot read \(path(of: segment))") }
            defer { close(fd) }
            if let (record, length) = Self.readRecord(fd, at: cursor.offset, limit: size) {
                peeked = length
                return record
            }
            // Damage: nothing after it in this segment can be trusted to be framed right.
            damagedRecords += 1
            sizes[segment] = cursor.offset
            if segment == segments.last { _ = ftruncate(writer, off_t(cursor.offset)) }
        }
    }

    /// Moves past the record `peek` returned: Loki took it, or refused it for good.
    public func acknowledge() throws(SystemError) {
        guard let length = peeked else { return }
        peeked = nil
        cursor.offset += length
        if cursor.segment == segments.last, cursor.offset == sizes[cursor.segment] {
            // Everything read: start the segment over instead of growing it forever. The cursor
            // goes first: a crash between the two resends, it never skips.
            cursor.offset = 0
            try saveCursor()
            _ = ftruncate(writer, 0)
            sizes[cursor.segment] = 0
            return
        }
        try saveCursor()
    }

    // MARK: - Files

    /// Segment numbers the spool uses: positive, and far from overflowing when incremented.
    private static let segmentNumbers = 0..<1_000_000_000_000

    private var cursorPath: String { "\(directory)/cursor" }

    /// The number of a segment file the spool wrote itself (`000000000042.seg`); nil for any
    /// other name, so that a stray file is never read as a segment.
    private func segmentNumber(_ name: String) -> Int? {
        guard name.hasSuffix(".seg"), let number = Int(name.dropLast(4)), number >= 1, Self.segmentNumbers.contains(number),
              path(of: number) == "\(directory)/\(name)"
        else { return nil }
        return number
    }

    private func path(of segment: Int) -> String {
        "\(directory)/" + String(repeating: "0", count: max(0, 12 - String(segment).count)) + "\(segment).seg"
    }

    private func openWriter() throws(SystemError) {
        let file = path(of: segments.last!)
        writer = open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard writer >= 0 else { throw .errno("cannot open \(file)") }
        if sizes[segments.last!] == nil { sizes[segments.last!] = 0 }
    }

    private func saveCursor() throws(SystemError) {
        let temporary = cursorPath + ".tmp"
        let text = "\(cursor.segment) \(cursor.offset)\n"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8)),
              rename(temporary, cursorPath) == 0
        else { throw .errno("cannot save the log spool cursor in \(directory)") }
    }

    private func dropOldestSegment() {
        let oldest = segments[0]
        let fd = open(path(of: oldest), O_RDONLY | O_CLOEXEC)
        if fd >= 0 {
            var offset = cursor.segment == oldest ? cursor.offset : 0
            while let (record, length) = Self.readRecord(fd, at: offset, limit: sizes[oldest] ?? 0) {
                droppedEntries += record.entries
                offset += length
            }
            close(fd)
        }
        removeSegment(oldest)
        if cursor.segment == oldest {
            cursor = (segments[0], 0)
            peeked = nil
            try? saveCursor()
        }
    }

    private func removeSegment(_ segment: Int) {
        unlink(path(of: segment))
        segments.removeAll { $0 == segment }
        sizes[segment] = nil
    }

    /// Scans the newest segment and cuts it after its last whole record.
    private func cutTornTail(of segment: Int) throws(SystemError) {
        let size = sizes[segment] ?? 0
        let fd = open(path(of: segment), O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .errno("cannot open \(path(of: segment))") }
        defer { close(fd) }
        var offset = 0
        while offset < size, let (_, length) = Self.readRecord(fd, at: offset, limit: size) { offset += length }
        if offset < size {
            damagedRecords += 1
            guard ftruncate(fd, off_t(offset)) == 0 else { throw .errno("cannot truncate \(path(of: segment))") }
        }
        sizes[segment] = offset
    }

    /// The record at `offset` and its framed length, or nil when it is cut short or damaged.
    private static func readRecord(_ fd: Int32, at offset: Int, limit: Int) -> (Record, Int)? {
        guard offset + SpoolFrame.headerBytes <= limit,
              let head = readExactly(fd, count: SpoolFrame.headerBytes, at: offset),
              let (length, crc, entries) = SpoolFrame.header(head[...]),
              offset + SpoolFrame.headerBytes + length <= limit,
              let body = readExactly(fd, count: length, at: offset + SpoolFrame.headerBytes),
              SpoolFrame.checksum(entries: entries, body: body[...]) == crc
        else { return nil }
        return (Record(body: body, entries: Int(entries)), SpoolFrame.headerBytes + length)
    }

    private static func readExactly(_ fd: Int32, count: Int, at offset: Int) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let got = buffer[done...].withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(offset + done)) }
            if got < 0, errno == EINTR { continue }
            guard got > 0 else { return nil }
            done += got
        }
        return buffer
    }

    private static func fileSize(_ path: String) -> Int {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_size) : 0
    }
}
