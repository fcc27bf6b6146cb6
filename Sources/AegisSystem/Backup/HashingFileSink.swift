/// The last stage of a backup: hashes what is stored (SHA-256, for the manifest) and writes it
/// to the file.
final class HashingFileSink: ByteSink {
    let writer: BackupFileWriter
    private let hasher = SHA256Hasher()

    init(writer: BackupFileWriter) {
        self.writer = writer
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        hasher.update(bytes)
        try writer.write(bytes)
    }

    /// The hex digest of everything written.
    func digest() -> String { hasher.finalizeHex() }
}
