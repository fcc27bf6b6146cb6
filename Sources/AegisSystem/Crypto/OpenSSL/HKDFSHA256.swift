import CLibCrypto

/// HKDF-SHA-256 (RFC 5869, extract then expand) through OpenSSL's `EVP_KDF` "HKDF".
enum HKDFSHA256 {
    /// Derives `count` bytes. An empty `salt` means HKDF's default salt (HashLen zero bytes),
    /// which is what age's "header" key uses.
    static func derive(key: [UInt8], salt: [UInt8], info: [UInt8], count: Int = 32) throws(CryptoError) -> [UInt8] {
        guard let kdf = EVP_KDF_fetch(nil, "HKDF", nil) else { throw CryptoError("HKDF fetch") }
        defer { EVP_KDF_free(kdf) }
        guard let context = EVP_KDF_CTX_new(kdf) else { throw CryptoError("HKDF context") }
        defer { EVP_KDF_CTX_free(context) }
        var key = key
        var salt = salt
        var info = info
        var output = [UInt8](repeating: 0, count: count)
        // OSSL_PARAM keeps the pointers it is given, so every buffer must outlive the derive
        // call: the parameter names are static strings, the values are pinned below.
        let status = key.withUnsafeMutableBytes { key in
            salt.withUnsafeMutableBytes { salt in
                info.withUnsafeMutableBytes { info in
                    var params: [OSSL_PARAM] = [
                        OSSL_PARAM_construct_utf8_string(ParamName.digest, ParamName.sha256, 0),
                        OSSL_PARAM_construct_octet_string(ParamName.key, key.baseAddress, key.count),
                    ]
                    // Empty salt and info are left out rather than passed as (NULL, 0), which
                    // is HKDF's meaning of "absent" anyway.
                    if info.count > 0 {
                        params.append(OSSL_PARAM_construct_octet_string(ParamName.info, info.baseAddress, info.count))
                    }
                    if salt.count > 0 {
                        params.append(OSSL_PARAM_construct_octet_string(ParamName.salt, salt.baseAddress, salt.count))
                    }
                    params.append(OSSL_PARAM_construct_end())
                    return EVP_KDF_derive(context, &output, count, params)
                }
            }
        }
        guard status == 1 else { throw CryptoError("HKDF-SHA-256") }
        return output
    }

    /// OSSL_PARAM names and values as pointers into string literals, which live for the whole
    /// program (and are NUL-terminated), unlike a temporary bridged Swift `String`.
    private enum ParamName {
        static var digest: UnsafeMutablePointer<CChar> { cString("digest") }
        static var sha256: UnsafeMutablePointer<CChar> { cString("SHA256") }
        static var key: UnsafeMutablePointer<CChar> { cString("key") }
        static var salt: UnsafeMutablePointer<CChar> { cString("salt") }
        static var info: UnsafeMutablePointer<CChar> { cString("info") }

        private static func cString(_ literal: StaticString) -> UnsafeMutablePointer<CChar> {
            UnsafeMutableRawPointer(mutating: literal.utf8Start).assumingMemoryBound(to: CChar.self)
        }
    }
}
