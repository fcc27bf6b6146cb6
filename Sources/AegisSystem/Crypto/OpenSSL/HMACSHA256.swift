import CLibCrypto

/// HMAC-SHA-256 (RFC 2104) with OpenSSL's one-shot `HMAC`; age only MACs its small header.
enum HMACSHA256 {
    static func authenticate(_ message: [UInt8], key: [UInt8]) throws(CryptoError) -> [UInt8] {
        var mac = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard HMAC(EVP_sha256(), key, Int32(key.count), message, message.count, &mac, &length) != nil,
              length == 32
        else { throw CryptoError("HMAC-SHA-256") }
        return Array(mac.prefix(32))
    }
}
