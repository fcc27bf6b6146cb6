import AegisCore
import CAegisShims
import Glibc

/// Gives back, once aegisd is ready, the memory that only its start needed: the clean pages of
/// its own executable that `ReleasableMappings` picks, and the free memory glibc's allocator
/// still holds. On the static release build about 16 MiB of the executable is resident at
/// READY=1; the idle loop maps about 10 MiB of it again within seconds, because the kernel maps
/// code in blocks of 64 KiB and more around each page touched (docs/benchmarks.md, "Idle cost").
public enum StartupMemory {
    /// What was given back, for the log line.
    public struct Outcome: Sendable, Equatable {
        /// Resident kB of the executable's released mappings before the release.
        public var releasedKiB: Int
        public var mappings: Int
    }

    /// Best effort: a refusal (a seccomp filter without madvise) leaves the pages mapped.
    @discardableResult
    public static func release() -> Outcome {
        let outcome = releaseExecutablePages()
        // Last, once the buffers that read /proc/self/smaps are freed too: free chunks of every
        // arena go back to the kernel, whole free pages inside the heaps included.
        aegis_release_free_heap()
        return outcome
    }

    private static func releaseExecutablePages() -> Outcome {
        guard let executable = ownExecutable(), let smaps = ownSmaps() else { return Outcome(releasedKiB: 0, mappings: 0) }
        var outcome = Outcome(releasedKiB: 0, mappings: 0)
        for mapping in ReleasableMappings.releasable(ReleasableMappings.parse(smaps: smaps), executable: executable) {
            guard let start = UnsafeMutableRawPointer(bitPattern: mapping.start),
                  madvise(start, Int(mapping.length), MADV_DONTNEED) == 0
            else { continue }
            outcome.releasedKiB += mapping.residentKiB
            outcome.mappings += 1
        }
        return outcome
    }

    /// The path /proc/self/exe names, as /proc/self/smaps writes it (" (deleted)" included
    /// after an upgrade replaced the file).
    static func ownExecutable() -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// /proc/self/smaps (a few hundred kB at most for aegisd's few hundred mappings).
    static func ownSmaps() -> String? {
        let fd = open("/proc/self/smaps", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        guard let bytes = try? SmallFileReader.readAll(fd, limit: 16 << 20, what: "read /proc/self/smaps") else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }
}
