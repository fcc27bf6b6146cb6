import CLibCrypto

/// Bytes from OpenSSL's CSPRNG (`RAND_bytes`), which reseeds from the kernel: what age requires
/// for file keys, nonces, ephemeral secrets and salts.
enum SecureRandom {
    static func bytes(_ count: Int) throws(CryptoError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        guard RAND_bytes(&bytes, Int32(count)) == 1 else { throw CryptoError("RAND_bytes") }
        return bytes
    }
}
