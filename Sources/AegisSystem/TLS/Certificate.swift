import AegisCore
import CLibCrypto

/// An X.509 certificate (an OpenSSL `X509`). `info` reads out what operators and the renewal
/// plan look at.
///
/// Immutable once made; OpenSSL 3 locks its lazily computed extension cache, so concurrent
/// reads are safe, hence Sendable.
public final class Certificate: @unchecked Sendable {
    let pointer: OpaquePointer

    /// Takes ownership of an `X509` reference.
    init(taking pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        X509_free(pointer)
    }

    /// The first certificate of a PEM text (a leaf file may carry its chain after it).
    public convenience init(pem: String) throws(CryptoError) {
        let certificate = try MemoryBIO.reading(pem) { bio throws(CryptoError) in
            guard let certificate = PEM_read_bio_X509(bio, nil, refusePassword, nil) else {
                throw CryptoError("certificate PEM parsing")
            }
            return certificate
        }
        self.init(taking: certificate)
    }

    /// Every certificate of a PEM text, in order: a chain file or a CA bundle. Throws when
    /// there is none.
    public static func all(pem: String) throws(CryptoError) -> [Certificate] {
        let certificates = try MemoryBIO.reading(pem) { bio throws(CryptoError) -> [Certificate] in
            var certificates: [Certificate] = []
            while let next = PEM_read_bio_X509(bio, nil, refusePassword, nil) {
                certificates.append(Certificate(taking: next))
            }
            return certificates
        }
        // The loop ends on "no start line", which is the end of the text, not an error; it is
        // only one when nothing was read.
        guard !certificates.isEmpty else { throw CryptoError("certificate PEM parsing") }
        ERR_clear_error()
        return certificates
    }

    /// `-----BEGIN CERTIFICATE-----` PEM.
    public func pemEncoded() throws(CryptoError) -> String {
        try MemoryBIO.writing("certificate PEM encoding") { bio in
            PEM_write_bio_X509(bio, pointer)
        }
    }

    /// The certified public key as `-----BEGIN PUBLIC KEY-----` PEM, as `openssl x509 -pubkey`
    /// prints it.
    public func publicKeyPEM() throws(CryptoError) -> String {
        guard let key = X509_get0_pubkey(pointer) else { throw CryptoError("certificate public key") }
        return try MemoryBIO.writing("public key PEM encoding") { bio in
            PEM_write_bio_PUBKEY(bio, key)
        }
    }

    /// True when this certificate carries `name` as a subjectAltName: a DNS name (wildcards as
    /// TLS clients match them) or an IP address.
    public func covers(_ name: String) -> Bool {
        let matched: Int32
        if SubjectAltName.ipAddressBytes(name) != nil {
            matched = X509_check_ip_asc(pointer, name, 0)
        } else {
            // No subject fallback: clients stopped looking at the CN, so neither do we.
            matched = X509_check_host(pointer, name, name.utf8.count, UInt32(X509_CHECK_FLAG_NEVER_CHECK_SUBJECT), nil)
        }
        ERR_clear_error()
        return matched == 1
    }
}
