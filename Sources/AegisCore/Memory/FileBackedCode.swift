/// The mappings of aegisd's own executable whose pages can leave memory without losing anything:
/// read-only, private, and holding no page of their own (no anonymous page: nothing was copied
/// on write, as the dynamic linker does for the relocated `.data.rel.ro` before making it
/// read-only). Every page of such a mapping is a page of the file, read back from it when it is
/// touched again. Decided from the text of /proc/self/smaps.
public enum FileBackedCode {
    /// One mapping: [start, end) in the address space, and how much of it is resident.
    public struct Mapping: Equatable, Sendable {
        public let start: UInt
        public let end: UInt
        public let residentKiB: Int
    }

    /// The mappings of `executable` (the path /proc/self/exe names) in `smaps` that hold only
    /// pages of the file. A writable mapping is never one of them, whatever it holds: its clean
    /// pages may be written later, and dropping a written one would lose data.
    ///
    /// Read byte by byte rather than by `Character`: smaps is some 100 KiB of text, and
    /// grapheme breaking of it cost some 26 ms of CPU, as much as 10–15 s of idling.
    public static func mappings(smaps: String, executable: String) -> [Mapping] {
        let executable = Array(executable.utf8)
        var found: [Mapping] = []
        var current: (start: UInt, end: UInt, eligible: Bool)?
        var rss = 0
        var anonymous = 0
        func close() {
            if let mapping = current, mapping.eligible, anonymous == 0 {
                found.append(Mapping(start: mapping.start, end: mapping.end, residentKiB: rss))
            }
        }
        for line in smaps.utf8.split(separator: newline, omittingEmptySubsequences: true) {
            if let header = header(line) {
                close()
                current = (header.start, header.end, header.readOnlyPrivate && header.path.elementsEqual(executable))
                rss = 0
                anonymous = 0
            } else if line.starts(with: "Rss:".utf8) {
                rss = kilobytes(line) ?? 0
            } else if line.starts(with: "Anonymous:".utf8) {
                // Unreadable means unknown: count it as copied, so the mapping is left alone.
                anonymous = kilobytes(line) ?? 1
            }
        }
        close()
        return found
    }

    private typealias Bytes = Substring.UTF8View
    private static let newline = UInt8(ascii: "\n")
    private static let space = UInt8(ascii: " ")

    /// "start-end perms offset dev inode [path]": a mapping's first line. Field lines
    /// ("Rss:    12 kB") never have a dash-joined hexadecimal range first.
    private static func header(_ line: Bytes) -> (start: UInt, end: UInt, readOnlyPrivate: Bool, path: Bytes)? {
        let fields = line.split(separator: space, maxSplits: 5, omittingEmptySubsequences: true)
        guard fields.count >= 5 else { return nil }
        let range = fields[0].split(separator: UInt8(ascii: "-"))
        guard range.count == 2, let start = UInt(Substring(range[0]), radix: 16), let end = UInt(Substring(range[1]), radix: 16),
              fields[1].count == 4
        else { return nil }
        let perms = Array(fields[1])
        let path = fields.count == 6 ? fields[5].drop(while: { $0 == space }) : line[line.endIndex...]
        return (start, end, perms[0] == UInt8(ascii: "r") && perms[1] == UInt8(ascii: "-") && perms[3] == UInt8(ascii: "p"), path)
    }

    private static func kilobytes(_ line: Bytes) -> Int? {
        let fields = line.split(separator: space, omittingEmptySubsequences: true)
        guard fields.count == 3, fields[2].elementsEqual("kB".utf8) else { return nil }
        return Int(Substring(fields[1]))
    }
}
