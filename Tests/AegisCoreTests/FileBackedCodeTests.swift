import AegisCore
import Testing

@Suite struct FileBackedCodeTests {
    /// One mapping of smaps: its first line and the two fields read.
    static func mapping(_ range: String, _ perms: String, _ path: String, rss: Int, anonymous: Int) -> String {
        """
        \(range) \(perms) 00000000 fe:01 1234                       \(path)
        Size:              26000 kB
        Rss:               \(rss) kB
        Pss:               \(rss) kB
        Private_Dirty:     \(anonymous) kB
        Anonymous:         \(anonymous) kB
        VmFlags: rd mr mw me
        """
    }

    static let exe = "/usr/bin/aegisd"

    @Test(arguments: [
        // perms, path, anonymous KiB, released
        ("r--p", exe, 0, true),  // headers, .rodata, .rela.dyn, .eh_frame
        ("r-xp", exe, 0, true),  // .text
        ("r--p", exe, 16, false),  // .data.rel.ro after relocation: copied pages
        ("rw-p", exe, 0, false),  // .data: writable, may be written later
        ("r-xs", exe, 0, false),  // a shared mapping: not ours to drop
        ("r-xp", "/usr/lib/x86_64-linux-gnu/libc.so.6", 0, false),  // a library, shared with others
        ("r-xp", "/usr/bin/aegisd.old", 0, false),
        ("---p", exe, 0, false),  // a guard gap
    ])
    func testWhichMappingsAreReleased(perms: String, path: String, anonymous: Int, released: Bool) {
        let smaps = Self.mapping("55d0c0000000-55d0c1000000", perms, path, rss: 8192, anonymous: anonymous)
        #expect(FileBackedCode.mappings(smaps: smaps, executable: Self.exe).isEmpty == !released)
    }

    @Test func testRangesAndResidentSizes_ofSeveralMappings() {
        let smaps = [
            Self.mapping("1000-5000", "r--p", Self.exe, rss: 12, anonymous: 0),
            Self.mapping("5000-9000", "r-xp", Self.exe, rss: 16, anonymous: 0),
            Self.mapping("9000-a000", "r--p", Self.exe, rss: 4, anonymous: 4),
            Self.mapping("a000-b000", "rw-p", Self.exe, rss: 4, anonymous: 0),
            Self.mapping("7f0000000000-7f0000001000", "r-xp", "/usr/lib/libpq.so.5", rss: 4, anonymous: 0),
        ].joined(separator: "\n")
        let found = FileBackedCode.mappings(smaps: smaps, executable: Self.exe)
        #expect(found.map(\.start) == [0x1000, 0x5000])
        #expect(found.map(\.end) == [0x5000, 0x9000])
        #expect(found.map(\.residentKiB) == [12, 16])
    }

    @Test func testAReplacedExecutable_isStillItself() {
        // A package upgrade replaces the file while aegisd runs: /proc/self/exe and smaps both say so.
        let path = "/usr/bin/aegisd (deleted)"
        let smaps = Self.mapping("1000-5000", "r-xp", path, rss: 16, anonymous: 0)
        #expect(FileBackedCode.mappings(smaps: smaps, executable: path).count == 1)
        #expect(FileBackedCode.mappings(smaps: smaps, executable: Self.exe).isEmpty)
    }

    @Test func testAnUnreadableAnonymousField_keepsTheMapping() {
        let smaps = """
            1000-5000 r-xp 00000000 fe:01 1234                       \(Self.exe)
            Rss:               16 kB
            Anonymous:         ? kB
            """
        #expect(FileBackedCode.mappings(smaps: smaps, executable: Self.exe).isEmpty)
    }
}
