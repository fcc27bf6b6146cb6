/// The last stage of a backup: hashes what is stored (SHA-256, for the manifest) and writes it
/// to the file.
final class HashingFileSink: ByteSink {
    let writer: BackupFileWriter
    private let hasher = SHA256Hasher()
    private let progress: TransferProgress?

    init(writer: BackupFileWriter, progress: TransferProgress? = nil) {
        self.writer = writer
        self.progress = progress
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        hasher.update(bytes)
        try writer.write(bytes)
        progress?.addStored(bytes.count)
    }

    /// The hex digest of everything written.
    func digest() -> String { hasher.finalizeHex() }
}
