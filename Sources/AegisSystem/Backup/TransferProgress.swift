import Synchronization

/// Byte counters of a running backup, restore or drill, written by the thread that streams
/// and read by status requests. Atomics, because the writer must never wait for a reader.
public final class TransferProgress: Sendable {
    /// Plain bytes: dumped (backup) or decompressed (restore).
    public let plainBytes = Atomic<Int64>(0)
    /// Bytes as stored: written to (backup) or read from (restore) the backup file.
    public let storedBytes = Atomic<Int64>(0)
    public let started = ContinuousClock.now

    public init() {}

    public func addPlain(_ count: Int) { plainBytes.wrappingAdd(Int64(count), ordering: .relaxed) }
    public func addStored(_ count: Int) { storedBytes.wrappingAdd(Int64(count), ordering: .relaxed) }
}
