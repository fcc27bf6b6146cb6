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
    public static func mappings(smaps: String, executable: String) -> [Mapping] {
        var found: [Mapping] = []
        var current: (start: UInt, end: UInt, eligible: Bool)?
        var rss = 0
        var anonymous = 0
        func close() {
            if let mapping = current, mapping.eligible, anonymous == 0 {
                found.append(Mapping(start: mapping.start, end: mapping.end, residentKiB: rss))
            }
        }
        for line in smaps.split(separator: "\n", omittingEmptySubsequences: true) {
            if let header = header(line) {
                close()
                current = (header.start, header.end, header.path == executable && header.readOnlyPrivate)
                rss = 0
                anonymous = 0
            } else if line.hasPrefix("Rss:") {
                rss = kilobytes(line) ?? 0
            } else if line.hasPrefix("Anonymous:") {
                // Unreadable means unknown: count it as copied, so the mapping is left alone.
                anonymous = kilobytes(line) ?? 1
            }
        }
        close()
        return found
    }

    /// "start-end perms offset dev inode [path]": a mapping's first line. Field lines
    /// ("Rss:    12 kB") never have a dash-joined hexadecimal range first.
    private static func header(_ line: Substring) -> (start: UInt, end: UInt, readOnlyPrivate: Bool, path: String)? {
        let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
        guard fields.count >= 5 else { return nil }
        let range = fields[0].split(separator: "-")
        guard range.count == 2, let start = UInt(range[0], radix: 16), let end = UInt(range[1], radix: 16),
              fields[1].count == 4
        else { return nil }
        let perms = Array(fields[1])
        let path = fields.count == 6 ? String(fields[5].drop(while: { $0 == " " })) : ""
        return (start, end, perms[0] == "r" && perms[1] == "-" && perms[3] == "p", path)
    }

    private static func kilobytes(_ line: Substring) -> Int? {
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count == 3, fields[2] == "kB" else { return nil }
        return Int(fields[1])
    }
}
