import CLibCrypto

/// An ECDSA P-256 private key (an OpenSSL `EVP_PKEY`), the key type of every certificate the
/// built-in CA makes: small, fast, and accepted by PostgreSQL, Redis, Loki and their clients.
///
/// Immutable once made; OpenSSL 3 allows concurrent read-only use of a key, hence Sendable.
public final class PrivateKey: @unchecked Sendable {
    let pointer: OpaquePointer

    /// Takes ownership of an `EVP_PKEY` reference.
    init(taking pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        EVP_PKEY_free(pointer)
    }

    /// A fresh P-256 key from OpenSSL's CSPRNG. (`EVP_PKEY_Q_keygen` is variadic and cannot be
    /// called from Swift; this is its long form.)
    public static func generateP256() throws(CryptoError) -> PrivateKey {
        guard let context = EVP_PKEY_CTX_new_from_name(nil, "EC", nil) else { throw CryptoError("EC key context") }
        defer { EVP_PKEY_CTX_free(context) }
        var key: OpaquePointer?
        guard EVP_PKEY_keygen_init(context) == 1,
              EVP_PKEY_CTX_set_group_name(context, "P-256") == 1,
              EVP_PKEY_generate(context, &key) == 1,
              let key
        else { throw CryptoError("P-256 key generation") }
        return PrivateKey(taking: key)
    }

    /// Reads the first private key of a PEM text: PKCS#8 (`PRIVATE KEY`) or the traditional
    /// `EC PRIVATE KEY`/`RSA PRIVATE KEY` forms an operator may bring. Encrypted keys fail.
    public convenience init(pem: String) throws(CryptoError) {
        let key = try MemoryBIO.reading(pem) { bio throws(CryptoError) in
            guard let key = PEM_read_bio_PrivateKey(bio, nil, refusePassword, nil) else {
                throw CryptoError("private key PEM parsing")
            }
            return key
        }
        self.init(taking: key)
    }

    /// Unencrypted PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), what `openssl genpkey` writes.
    public func pemEncoded() throws(CryptoError) -> String {
        try MemoryBIO.writing("private key PEM encoding") { bio in
            PEM_write_bio_PrivateKey(bio, pointer, nil, nil, 0, nil, nil)
        }
    }

    /// The public half as `-----BEGIN PUBLIC KEY-----` PEM, as `openssl pkey -pubout` prints it.
    public func publicKeyPEM() throws(CryptoError) -> String {
        try MemoryBIO.writing("public key PEM encoding") { bio in
            PEM_write_bio_PUBKEY(bio, pointer)
        }
    }

    /// True when `certificate` certifies this key's public half: "the key matches the
    /// certificate", which a TLS server needs before it can start.
    public func matches(_ certificate: Certificate) -> Bool {
        guard let publicKey = X509_get0_pubkey(certificate.pointer) else { return false }
        // EVP_PKEY_eq compares public components only; 1 is equal, 0 different, < 0 the key
        // types differ (an RSA key against an EC certificate), which is also "no match".
        let equal = EVP_PKEY_eq(pointer, publicKey) == 1
        ERR_clear_error()
        return equal
    }
}
