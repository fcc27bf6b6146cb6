import AegisCore
import CAegisShims
import Glibc

/// Gives back, once aegisd is ready, the memory that only its start needed: the clean pages of
/// its own executable that `ReleasableMappings` picks, and the free memory glibc's allocator
/// still holds. On the static release build about 16 MiB of the executable is resident at
/// READY=1; the idle loop maps about 11 MiB of it again within seconds, because the kernel maps
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
        guard let executable = ownExecutable(), let mappings = ownMappings() else { return Outcome(releasedKiB: 0, mappings: 0) }
        var outcome = Outcome(releasedKiB: 0, mappings: 0)
        for mapping in ReleasableMappings.releasable(mappings, executable: executable) {
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

    /// The mappings of /proc/self/smaps, read a line at a time through a 16 KiB buffer rather
    /// than whole (about 350 kB for aegisd): the release should not itself leave large freed
    /// blocks behind in the allocator.
    static func ownMappings() -> [ReleasableMappings.Mapping]? {
        let fd = open("/proc/self/smaps", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var parser = ReleasableMappings.Parser()
        var pending: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 << 10)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { return nil }
            if count == 0 { break }
            pending += chunk[0..<count]
            var start = 0
            while let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
                parser.add(line: Substring(String(decoding: pending[start..<newline], as: UTF8.self)))
                start = newline + 1
            }
            pending.removeFirst(start)
        }
        return parser.mappings
    }
}
