import Testing
@testable import AegisCore

/// Which mappings the start-up release may drop: only clean, read-only pages of the executable.
@Suite struct ReleasableMappingsTests {
    static let executable = "/usr/bin/aegisd"

    /// Trimmed from a real /proc/PID/smaps of aegisd (static release build), with its path.
    static func smaps(executable: String = executable) -> String { """
        55f7e0000000-55f7e0400000 r--p 00000000 fd:01 1234                       /usr/bin/aegisd
        Size:               4096 kB
        Rss:                2100 kB
        Anonymous:             0 kB
        55f7e0400000-55f7e1a00000 r-xp 00400000 fd:01 1234                       /usr/bin/aegisd
        Size:              22528 kB
        Rss:               13060 kB
        Anonymous:             0 kB
        55f7e1a00000-55f7e1ab0000 r--p 01a00000 fd:01 1234                       /usr/bin/aegisd
        Size:                704 kB
        Rss:                 712 kB
        Anonymous:           712 kB
        55f7e1ab0000-55f7e1b00000 rw-p 01ab0000 fd:01 1234                       /usr/bin/aegisd
        Size:                320 kB
        Rss:                 332 kB
        Anonymous:           300 kB
        55f7e1b00000-55f7e1c00000 r--p 01b00000 fd:01 1234                       /usr/bin/aegisd
        Size:               1024 kB
        Rss:                   0 kB
        Anonymous:             0 kB
        55f80e504000-55f80e557000 rw-p 00000000 00:00 0                          [heap]
        Size:                332 kB
        Rss:                 208 kB
        Anonymous:           208 kB
        7fa8632c5000-7fa863542000 r-xp 000c5000 fd:01 99                         /usr/lib/x86_64-linux-gnu/libcrypto.so.3
        Size:               2548 kB
        Rss:                2544 kB
        Anonymous:             0 kB
        7fa85c000000-7fa85c0e4000 rw-p 00000000 00:00 0 
        Size:                912 kB
        Rss:                 912 kB
        Anonymous:           912 kB
        """.split(separator: "\n", omittingEmptySubsequences: false)
        .map { $0.hasSuffix("/usr/bin/aegisd") ? String($0.dropLast("/usr/bin/aegisd".count)) + executable : String($0) }
        .joined(separator: "\n")
    }

    @Test func testParse_readsEveryMappingWithItsResidentAndAnonymousSizes() {
        let mappings = ReleasableMappings.parse(smaps: Self.smaps())
        #expect(mappings.count == 8)
        #expect(mappings[1] == .init(
            start: 0x55f7_e040_0000, end: 0x55f7_e1a0_0000, permissions: "r-xp", path: Self.executable,
            residentKiB: 13060, anonymousKiB: 0))
        #expect(mappings[5].path == "[heap]" && mappings[7].path == "" && mappings[7].anonymousKiB == 912)
    }

    @Test func testReleasable_isTheExecutablesCleanReadOnlyMappings_only() {
        let picked = ReleasableMappings.releasable(ReleasableMappings.parse(smaps: Self.smaps()), executable: Self.executable)
        // The read-only data and the code; not RELRO's relocated data (anonymous pages), not the
        // writable data, not a mapping with nothing resident, not a library, not the heap.
        #expect(picked.map(\.permissions) == ["r--p", "r-xp"])
        #expect(picked.map(\.residentKiB) == [2100, 13060])
    }

    @Test func testReleasable_followsTheExecutableEvenWhenItWasReplaced() {
        let mappings = ReleasableMappings.parse(smaps: Self.smaps(executable: "/usr/bin/aegisd (deleted)"))
        #expect(ReleasableMappings.releasable(mappings, executable: "/usr/bin/aegisd (deleted)").count == 2)
        #expect(ReleasableMappings.releasable(mappings, executable: Self.executable).isEmpty)
    }
}
