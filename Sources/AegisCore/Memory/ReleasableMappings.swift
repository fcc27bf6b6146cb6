/// Which of aegisd's own mappings hold only pages it can give back once started: read from
/// /proc/self/smaps, decided here (pure), released by `StartupMemory` (AegisSystem).
///
/// Starting touches far more of the executable than idling does: the dynamic linker reads every
/// relocation, and configuration parsing, the checks before the first start, initdb and the
/// first launches run code that is not run again. Those pages stay mapped, and counted in RSS,
/// until memory runs short. A mapping of the executable that cannot be written and holds no
/// anonymous (copied-on-write) page has only clean pages of the file: dropping them from the
/// page tables loses nothing (the next access maps them again from the page cache). Writable
/// mappings, and read-only ones with anonymous pages (relocated data behind RELRO), are never
/// candidates: dropping those would lose data.
public enum ReleasableMappings {
    /// One mapping of /proc/PID/smaps: its address range and what the release needs to know.
    public struct Mapping: Sendable, Equatable {
        public var start: UInt
        public var end: UInt
        public var permissions: String
        public var path: String
        /// Resident and anonymous kB, as smaps reports them.
        public var residentKiB: Int
        public var anonymousKiB: Int

        public var length: UInt { end - start }
    }

    /// The mappings of `smaps` (the text of /proc/PID/smaps), in order.
    public static func parse(smaps: String) -> [Mapping] {
        var parser = Parser()
        for line in smaps.split(separator: "\n", omittingEmptySubsequences: true) { parser.add(line: line) }
        return parser.mappings
    }

    /// The same, a line at a time, for a reader that never holds the whole file.
    public struct Parser: Sendable {
        public private(set) var mappings: [Mapping] = []

        public init() {}

        public mutating func add(line: Substring) {
            if let header = ReleasableMappings.header(line) {
                mappings.append(header)
            } else if !mappings.isEmpty {
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                guard fields.count >= 2, let value = Int(fields[1]) else { return }
                switch fields[0] {
                case "Rss:": mappings[mappings.count - 1].residentKiB = value
                case "Anonymous:": mappings[mappings.count - 1].anonymousKiB = value
                default: break
                }
            }
        }
    }

    /// The mappings of `executable` (as /proc/self/exe names it) whose resident pages are all
    /// clean pages of the file, and that hold some.
    public static func releasable(_ mappings: [Mapping], executable: String) -> [Mapping] {
        mappings.filter { mapping in
            mapping.path == executable && !mapping.permissions.contains("w") && mapping.anonymousKiB == 0
                && mapping.residentKiB > 0
        }
    }

    /// `start-end perms offset dev inode [path]`; nil for the `Key: value` lines.
    private static func header(_ line: Substring) -> Mapping? {
        let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
        guard fields.count >= 5, !fields[0].hasSuffix(":") else { return nil }
        let bounds = fields[0].split(separator: "-")
        guard bounds.count == 2, let start = UInt(bounds[0], radix: 16), let end = UInt(bounds[1], radix: 16),
              fields[1].count == 4
        else { return nil }
        let path = fields.count == 6 ? String(fields[5].drop { $0 == " " }) : ""
        return Mapping(start: start, end: end, permissions: String(fields[1]), path: path, residentKiB: 0, anonymousKiB: 0)
    }
}
