import AegisSystem
import Glibc
import Testing

@Suite struct StartupCodeReleaseTests {
    /// How many pages of the file behind `fd` are in the page cache: mincore over a fresh
    /// mapping of it, which has no page of its own, so the kernel answers from the cache.
    static func cachedPages(of fd: Int32) throws -> Int {
        var st = stat()
        try #require(fstat(fd, &st) == 0)
        let length = Int(st.st_size)
        let map = try #require(mmap(nil, length, PROT_READ, MAP_PRIVATE, fd, 0))
        try #require(map != MAP_FAILED)
        defer { munmap(map, length) }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        var vector = [UInt8](repeating: 0, count: (length + page - 1) / page)
        try #require(mincore(map, length, &vector) == 0)
        return vector.reduce(0) { $0 + Int($1 & 1) }
    }

    /// The test runner's own executable stands in for aegisd's: its code read so far leaves the
    /// page cache, not only this process's page tables (which would only lower the RSS figure).
    @Test func testRelease_dropsTheExecutablesPagesFromThePageCache() throws {
        let fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC)
        try #require(fd >= 0)
        defer { close(fd) }
        let before = try Self.cachedPages(of: fd)
        let outcome = try StartupCodeRelease.release()
        let after = try Self.cachedPages(of: fd)
        #expect(outcome.mappings >= 1)  // the code (gold maps it with the read-only data, lld apart)
        #expect(outcome.residentKiB > 0)
        // What the running tests touch again comes back at once; the rest must be gone.
        #expect(after < before / 2, "page cache of the test executable: \(before) pages before, \(after) after")
    }
}
