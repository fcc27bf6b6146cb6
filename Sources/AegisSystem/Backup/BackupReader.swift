import Glibc

/// Reads a backup file back: the stored bytes are hashed (compared with the manifest's
/// SHA-256), decrypted by age when the file is encrypted (every 64 KiB chunk authenticated
/// before it is released), and gunzipped into `sink`. Any tampering, truncation or wrong key
/// is an error; the sink may have received a prefix by then, which is why a restore first
/// authenticates the whole file (`authenticate`) and only then reads it for real.
public enum BackupReader {
    /// Proves, before anything is changed, that the whole file is usable, without using it.
    ///
    /// With the manifest's SHA-256 the hash of every stored byte plus the age header (its MAC,
    /// so a wrong key is named as such) is enough: a match means the file is byte for byte
    /// what aegisd wrote, whose chunks and gzip CRCs are checked again as the real read goes.
    /// That skips decrypting and inflating everything twice (most of the pass: 5 of 5.6 s on a
    /// 440 MiB backup). A file without a hash (made by hand with `pg_dump | gzip | age`) gets
    /// the full pass: every chunk decrypted and the whole stream inflated into nothing.
    public static func authenticate(
        path: String, encrypted: Bool, identities: [AgeIdentity], expectedSHA256: String?,
        progress: TransferProgress? = nil
    ) throws {
        try authenticate(
            descriptor: try openForReading(path), name: path, encrypted: encrypted, identities: identities,
            expectedSHA256: expectedSHA256, progress: progress)
    }

    /// `authenticate` of the bytes read from `fd` (closed afterwards): a stream from the
    /// off-host store. `name` names it in errors.
    public static func authenticate(
        descriptor fd: Int32, name path: String, encrypted: Bool, identities: [AgeIdentity], expectedSHA256: String?,
        progress: TransferProgress? = nil
    ) throws {
        guard let expectedSHA256, !expectedSHA256.isEmpty else {
            try read(descriptor: fd, name: path, encrypted: encrypted, identities: identities, expectedSHA256: nil,
                     into: DiscardingSink(), progress: progress)
            return
        }
        let header: AgeDecryptor? = encrypted ? AgeDecryptor(identities: identities) { _ in } : nil
        let hasher = try pumpHashed(fd, name: path, progress: progress) { bytes in
            if let header, !header.headerVerified { try header.write(bytes) }
        }
        if let header, !header.headerVerified { throw AgeError.truncatedHeader }
        try check(hasher, of: path, against: expectedSHA256)
    }

    /// Streams `path` into `sink`. Throws when the hash differs from `expectedSHA256` (when
    /// given), when decryption or decompression fails, or when the file ends early.
    public static func read(
        path: String, encrypted: Bool, identities: [AgeIdentity], expectedSHA256: String?,
        into sink: any ByteSink, progress: TransferProgress? = nil
    ) throws {
        try read(
            descriptor: try openForReading(path), name: path, encrypted: encrypted, identities: identities,
            expectedSHA256: expectedSHA256, into: sink, progress: progress)
    }

    /// `read` of the bytes read from `fd` (closed afterwards); `name` names it in errors.
    public static func read(
        descriptor fd: Int32, name path: String, encrypted: Bool, identities: [AgeIdentity], expectedSHA256: String?,
        into sink: any ByteSink, progress: TransferProgress? = nil
    ) throws {
        let gunzip = try GzipReader {
            try sink.write($0)
            progress?.addPlain($0.count)
        }
        let decryptor: AgeDecryptor? = encrypted ? AgeDecryptor(identities: identities) { try gunzip.write($0) } : nil
        let hasher = try pumpHashed(fd, name: path, progress: progress) { bytes in
            if let decryptor { try decryptor.write(bytes) } else { try gunzip.write(bytes) }
        }
        try decryptor?.finish()
        try gunzip.finish()
        if let expectedSHA256, !expectedSHA256.isEmpty { try check(hasher, of: path, against: expectedSHA256) }
    }

    /// Reads every stored byte of `path` into `next`, counting and hashing it on the way;
    /// returns the hash.
    private static func openForReading(_ path: String) throws -> Int32 {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError.errno("cannot open \(path)") }
        return fd
    }

    private static func pumpHashed(
        _ fd: Int32, name path: String, progress: TransferProgress?, into next: @escaping (UnsafeRawBufferPointer) throws -> Void
    ) throws -> SHA256Hasher {
        let hasher = SHA256Hasher()
        let stage = HashingStage(hasher: hasher) { bytes in
            progress?.addStored(bytes.count)
            try next(bytes)
        }
        _ = try DescriptorPump.copy(from: fd, closing: true, into: stage, what: path)
        return hasher
    }

    private static func check(_ hasher: SHA256Hasher, of path: String, against expected: String) throws {
        let actual = hasher.finalizeHex()
        guard actual == expected else {
            throw SystemError("\(path) does not match its manifest (SHA-256 \(actual), expected \(expected)): the file was changed or damaged")
        }
    }

    /// Hashes what passes through, then hands it on.
    private final class HashingStage: ByteSink {
        let hasher: SHA256Hasher
        let next: (UnsafeRawBufferPointer) throws -> Void

        init(hasher: SHA256Hasher, next: @escaping (UnsafeRawBufferPointer) throws -> Void) {
            self.hasher = hasher
            self.next = next
        }

        func write(_ bytes: UnsafeRawBufferPointer) throws {
            hasher.update(bytes)
            try next(bytes)
        }
    }
}

/// Discards what it is given: the sink of an authentication pass.
public final class DiscardingSink: ByteSink {
    public private(set) var bytes: Int64 = 0
    public init() {}
    public func write(_ bytes: UnsafeRawBufferPointer) throws { self.bytes += Int64(bytes.count) }
}

/// Writes into a descriptor (a pipe to psql, a file), reporting a closed reader clearly.
public final class DescriptorSink: ByteSink {
    private let fd: Int32
    private let what: String

    public init(fd: Int32, what: String) {
        self.fd = fd
        self.what = what
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                if errno == EPIPE { throw SystemError("\(what) stopped reading (it exited early; see its error)") }
                throw BackupFileWriter.failure(writing: what, code: errno)
            }
            offset += written
        }
    }
}
