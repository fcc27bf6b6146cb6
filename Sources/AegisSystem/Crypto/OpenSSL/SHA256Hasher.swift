import CLibCrypto

/// A streaming SHA-256 (OpenSSL `EVP_MD_CTX`), for digests of data too large to hold, such as
/// the stored bytes of a backup. Used from one thread at a time.
public final class SHA256Hasher {
    /// Digest length in bytes.
    public static let digestSize = 32

    private let context: OpaquePointer
    private var finished = false

    /// A hasher that has seen no bytes yet.
    public init() {
        // Allocation failure here is out of memory, which Swift does not recover from either.
        guard let context = EVP_MD_CTX_new(), EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1 else {
            fatalError("SHA-256 initialisation failed: \(CryptoError("EVP_DigestInit_ex"))")
        }
        self.context = context
    }

    deinit {
        EVP_MD_CTX_free(context)
    }

    /// Adds `bytes` to the digest.
    public func update(_ bytes: UnsafeRawBufferPointer) {
        precondition(!finished, "SHA256Hasher.update after finalize")
        guard bytes.count > 0 else { return }
        // EVP_DigestUpdate cannot fail for an initialised software SHA-256.
        EVP_DigestUpdate(context, bytes.baseAddress, bytes.count)
    }

    /// Adds `bytes` to the digest.
    public func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// The 32-byte digest of everything added. The hasher cannot be used afterwards.
    public func finalize() -> [UInt8] {
        precondition(!finished, "SHA256Hasher.finalize called twice")
        finished = true
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &digest, &length)
        return Array(digest.prefix(Self.digestSize))
    }

    /// The digest as lower-case hexadecimal, as manifests and `sha256sum` print it.
    public func finalizeHex() -> String {
        Self.hex(finalize())
    }

    /// One-shot digest of a byte array.
    public static func digest(_ bytes: [UInt8]) -> [UInt8] {
        let hasher = SHA256Hasher()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// Lower-case hex SHA-256 of a string's UTF-8 bytes (Redis ACL password hashes).
    public static func hexDigest(_ text: String) -> String {
        hex(digest(Array(text.utf8)))
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
