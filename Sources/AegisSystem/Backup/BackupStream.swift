import AegisCore

/// A backup on its way to disk: the source's bytes → parallel gzip → encryption (when
/// configured) → SHA-256 and the file. Nothing but the blocks in flight is held in memory,
/// whatever the size of the database.
public final class BackupStream: ByteSink {
    /// The last stages: encryption (or none), the hash of what is stored, the file.
    private let store: HashingFileSink
    private let encryptor: (any StreamEncryptor)?
    private var gzip: ParallelGzipWriter!

    private let progress: TransferProgress?

    public init(
        writer: BackupFileWriter, compressionLevel: Int, workers: Int, encryption: BackupEncryption,
        progress: TransferProgress? = nil
    ) throws {
        self.progress = progress
        store = HashingFileSink(writer: writer, progress: progress)
        let next: any ByteSink
        switch encryption {
        case .none:
            encryptor = nil
            next = store
        case .encrypted(let makeEncryptor):
            let made = try makeEncryptor(store)
            encryptor = made
            next = made
        }
        gzip = ParallelGzipWriter(level: compressionLevel, workers: workers) { try next.write($0) }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        try gzip.write(bytes)
        progress?.addPlain(bytes.count)
    }

    /// What went in and what was stored.
    public struct Totals: Sendable, Equatable {
        public var plainBytes: Int64
        public var compressedBytes: Int64
        public var storedBytes: Int64
        /// SHA-256 of the stored bytes, lower-case hex.
        public var sha256: String
    }

    /// Flushes every stage. The file is complete afterwards but not yet committed.
    public func finish() throws -> Totals {
        try gzip.finish()
        try encryptor?.finish()
        return Totals(
            plainBytes: gzip.plainBytes, compressedBytes: gzip.compressedBytes,
            storedBytes: store.writer.bytesWritten, sha256: store.digest())
    }
}

/// How backup bytes are encrypted: not at all (only when the operator chose `none`), or by an
/// encryptor that writes its ciphertext into the given sink.
public enum BackupEncryption {
    case none
    case encrypted(makeEncryptor: (any ByteSink) throws -> any StreamEncryptor)
}

/// An encryption stage: takes plaintext through `write`, emits ciphertext into its sink, and
/// writes its final authenticated chunk on `finish`.
public protocol StreamEncryptor: ByteSink {
    func finish() throws
}
