import CLibCrypto
import Glibc

/// The MD5 of a file, lower-case hex: what S3-compatible stores report for an object (through
/// rclone), so an upload can be checked against the store's own reading of it. Not a security
/// check (the manifest's SHA-256 is): a check that the store holds the bytes that were sent.
public enum FileMD5 {
    public static func hex(of path: String) throws(SystemError) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .errno("cannot open \(path)") }
        defer { close(fd) }
        guard let context = EVP_MD_CTX_new(), EVP_DigestInit_ex(context, EVP_md5(), nil) == 1 else {
            throw SystemError("MD5 is not available from OpenSSL")
        }
        defer { EVP_MD_CTX_free(context) }
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .errno("cannot read \(path)")
            }
            if count == 0 { break }
            buffer.withUnsafeBytes { _ = EVP_DigestUpdate(context, $0.baseAddress, count) }
        }
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &digest, &length)
        return SHA256Hasher.hex(Array(digest.prefix(Int(length))))
    }
}
