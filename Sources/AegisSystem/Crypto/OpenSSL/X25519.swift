import CLibCrypto

/// X25519 (RFC 7748) through OpenSSL's raw-key EVP_PKEY interface. Keys are 32-byte strings,
/// exactly as age encodes them; OpenSSL clamps the scalar itself.
enum X25519 {
    static let keySize = 32

    /// A fresh secret scalar.
    static func generatePrivateKey() throws(CryptoError) -> [UInt8] {
        try SecureRandom.bytes(keySize)
    }

    /// `X25519(privateKey, basepoint)`.
    static func publicKey(privateKey: [UInt8]) throws(CryptoError) -> [UInt8] {
        precondition(privateKey.count == keySize, "X25519 private keys are 32 bytes")
        guard let key = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nil, privateKey, keySize) else {
            throw CryptoError("X25519 private key import")
        }
        defer { EVP_PKEY_free(key) }
        var publicKey = [UInt8](repeating: 0, count: keySize)
        var length = keySize
        guard EVP_PKEY_get_raw_public_key(key, &publicKey, &length) == 1, length == keySize else {
            throw CryptoError("X25519 public key computation")
        }
        return publicKey
    }

    /// `X25519(privateKey, peerPublicKey)`, or nil when the result is all zeros: the peer sent a
    /// low-order point, which age requires us to refuse rather than derive a predictable key.
    /// OpenSSL refuses that case inside `EVP_PKEY_derive`; we check again so the rule does not
    /// depend on the library version.
    static func sharedSecret(privateKey: [UInt8], peerPublicKey: [UInt8]) throws(CryptoError) -> [UInt8]? {
        precondition(privateKey.count == keySize && peerPublicKey.count == keySize, "X25519 keys are 32 bytes")
        guard let key = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nil, privateKey, keySize) else {
            throw CryptoError("X25519 private key import")
        }
        defer { EVP_PKEY_free(key) }
        guard let peer = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nil, peerPublicKey, keySize) else {
            throw CryptoError("X25519 public key import")
        }
        defer { EVP_PKEY_free(peer) }
        guard let context = EVP_PKEY_CTX_new(key, nil) else { throw CryptoError("X25519 context") }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_derive_init(context) == 1, EVP_PKEY_derive_set_peer(context, peer) == 1 else {
            throw CryptoError("X25519 key agreement setup")
        }
        var secret = [UInt8](repeating: 0, count: keySize)
        var length = keySize
        guard EVP_PKEY_derive(context, &secret, &length) == 1 else {
            // The only input-dependent failure is the all-zero result; drop OpenSSL's queued
            // error so it is not reported against an unrelated later call.
            ERR_clear_error()
            return nil
        }
        guard length == keySize, secret.contains(where: { $0 != 0 }) else { return nil }
        return secret
    }
}
