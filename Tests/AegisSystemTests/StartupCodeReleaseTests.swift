import AegisSystem
import Glibc
import Testing

@Suite struct StartupCodeReleaseTests {
    /// Where the loaded part of an ELF file ends: past it lie the symbols and debug sections,
    /// which no process maps and none of the tests running beside this one reads.
    static func endOfLoadedSegments(_ fd: Int32) throws -> Int {
        func read<T: FixedWidthInteger>(_: T.Type, at offset: Int) throws -> Int {
            var value: T = 0
            try #require(pread(fd, &value, MemoryLayout<T>.size, off_t(offset)) == MemoryLayout<T>.size)
            return Int(value)
        }
        let phoff = try read(UInt64.self, at: 0x20)
        let phentsize = try read(UInt16.self, at: 0x36)
        let phnum = try read(UInt16.self, at: 0x38)
        var end = 0
        for i in 0..<phnum {
            let header = phoff + i * phentsize
            if try read(UInt32.self, at: header) == 1 {  // PT_LOAD
                end = max(end, try read(UInt64.self, at: header + 8) + read(UInt64.self, at: header + 0x20))
            }
        }
        return end
    }

    /// How many pages of the file from `offset` on are in the page cache: mincore over a fresh
    /// mapping, which has no page of its own, so the kernel answers from the cache.
    static func cachedPages(_ fd: Int32, from offset: Int, length: Int) throws -> Int {
        let map = try #require(mmap(nil, length, PROT_READ, MAP_PRIVATE, fd, off_t(offset)))
        try #require(map != MAP_FAILED)
        defer { munmap(map, length) }
        var vector = [UInt8](repeating: 0, count: (length + 4095) / 4096)
        try #require(mincore(map, length, &vector) == 0)
        return vector.reduce(0) { $0 + Int($1 & 1) }
    }

    /// The test runner's own executable stands in for aegisd's. The pages checked are those of
    /// its symbols and debug sections, read here first: unmapped, untouched by the tests running
    /// in parallel (which fault the code itself back in at once), so only the page cache step
    /// (POSIX_FADV_DONTNEED) can make them go; unmapping alone would leave them cached.
    @Test func testRelease_dropsTheExecutablesUnmappedPagesFromThePageCache() throws {
        let fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC)
        try #require(fd >= 0)
        defer { close(fd) }
        var st = stat()
        try #require(fstat(fd, &st) == 0)
        // A test binary linked a moment ago may still have dirty pages in the cache, which
        // POSIX_FADV_DONTNEED leaves (it drops clean pages only); an installed aegisd has none.
        try #require(fsync(fd) == 0)
        let start = (try Self.endOfLoadedSegments(fd) + 4095) / 4096 * 4096
        let length = min(Int(st.st_size) - start, 8 << 20)
        try #require(length > 0)
        var buffer = [UInt8](repeating: 0, count: length)
        try #require(pread(fd, &buffer, length, off_t(start)) == length)
        let before = try Self.cachedPages(fd, from: start, length: length)

        let outcome = try StartupCodeRelease.release()

        let after = try Self.cachedPages(fd, from: start, length: length)
        #expect(outcome.mappings >= 1)  // the code (gold maps it with the read-only data, lld apart)
        #expect(outcome.residentKiB > 0)
        #expect(before == (length + 4095) / 4096)
        #expect(after < before / 10, "\(before) pages cached before the release, \(after) after")
    }
}
