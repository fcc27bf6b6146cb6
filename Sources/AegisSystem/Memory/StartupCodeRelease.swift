import AegisCore
import Glibc

/// Gives back, once aegisd is ready, the pages of its own executable that starting up read: the
/// configuration checks, initdb, the first launches, the relocation tables. The release build
/// places the functions an idle aegisd runs together (docs/benchmarks.md, "Idle cost: the idle
/// loop's code packed together"), so the idle loop reads back a small contiguous part and the
/// rest stays out of memory.
///
/// Two steps, because either alone frees nothing: MADV_DONTNEED takes the pages out of aegisd's
/// page tables (a file's clean pages, read back from the file when touched: nothing is lost),
/// then POSIX_FADV_DONTNEED drops from the page cache the pages of the file that no process maps
/// any longer. Unmapping alone would only lower the RSS figure, the pages staying cached; the
/// cache alone cannot drop pages still mapped. (MADV_PAGEOUT would do both, but only for a
/// process that owns or may write the file, which aegisd under its unit is not.)
public enum StartupCodeRelease {
    /// What was given back: the resident KiB of the mappings released, before the release.
    public struct Outcome: Sendable, Equatable {
        public let mappings: Int
        public let residentKiB: Int
    }

    /// Releases the file-backed mappings of /proc/self/exe. Best effort: a refusal (a seccomp
    /// filter, an unreadable /proc) leaves memory as it was and is reported, never fatal.
    public static func release() throws(SystemError) -> Outcome {
        let executable = try ownExecutable()
        let smaps = try readSmaps()
        let mappings = FileBackedCode.mappings(smaps: smaps, executable: executable)
        for mapping in mappings {
            guard let start = UnsafeMutableRawPointer(bitPattern: mapping.start) else { continue }
            if madvise(start, Int(mapping.end - mapping.start), MADV_DONTNEED) != 0 {
                throw .errno("madvise(MADV_DONTNEED) of aegisd's own code")
            }
        }
        let fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .errno("open /proc/self/exe") }
        defer { close(fd) }
        let code = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED)  // returns the error, not errno
        if code != 0 { throw .errno("posix_fadvise(POSIX_FADV_DONTNEED) of aegisd's executable", code) }
        return Outcome(mappings: mappings.count, residentKiB: mappings.reduce(0) { $0 + $1.residentKiB })
    }

    private static func ownExecutable() throws(SystemError) -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { throw .errno("readlink /proc/self/exe") }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// /proc/self/smaps whole: a few hundred mappings, some 100 KiB of text (bounded at 16 MiB,
    /// far above any real one).
    private static func readSmaps() throws(SystemError) -> String {
        let fd = open("/proc/self/smaps", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .errno("open /proc/self/smaps") }
        defer { close(fd) }
        guard let bytes = try SmallFileReader.readAll(fd, limit: 16 << 20, what: "read /proc/self/smaps") else {
            throw SystemError("/proc/self/smaps is larger than 16 MiB")
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
