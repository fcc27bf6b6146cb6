import AegisCore
import CLibCrypto

/// Assembles and signs one X.509 v3 certificate. Internal: `CertificateAuthority` decides what
/// goes in; this only knows how to put it there.
struct CertificateBuilder {
    var commonName: String
    var validity: CertificateValidity
    var subjectAltNames: [String] = []
    /// Extensions as OpenSSL's config-style values (`critical,CA:TRUE,pathlen:0`), applied in
    /// order; safe here because every value is a constant of ours, never operator input.
    var extensions: [(nid: Int32, value: String)] = []

    /// Signs with SHA-256 under `signingKey`. `issuer` nil means self-signed.
    func sign(publicKey: PrivateKey, issuer: Certificate?, signingKey: PrivateKey) throws(CryptoError) -> Certificate {
        guard let x509 = X509_new() else { throw CryptoError("certificate allocation") }
        let certificate = Certificate(taking: x509)
        // Version 3 is encoded as 2.
        guard X509_set_version(x509, 2) == 1 else { throw CryptoError("certificate version") }
        try setSerial(x509)
        try setSubject(x509)
        let issuerName = issuer.map { X509_get_subject_name($0.pointer) } ?? X509_get_subject_name(x509)
        guard X509_set_issuer_name(x509, issuerName) == 1 else { throw CryptoError("certificate issuer") }
        try setTime(validity.notBefore, X509_set1_notBefore, x509)
        try setTime(validity.notAfter, X509_set1_notAfter, x509)
        guard X509_set_pubkey(x509, publicKey.pointer) == 1 else { throw CryptoError("certificate public key") }
        try addExtensions(x509, issuer: issuer?.pointer ?? x509)
        if !subjectAltNames.isEmpty {
            let names = try SubjectAltName.generalNames(subjectAltNames)
            defer { GENERAL_NAMES_free(names) }
            // Not critical: the subject has a CN (RFC 5280 4.2.1.6).
            guard X509_add1_ext_i2d(x509, NID_subject_alt_name, UnsafeMutableRawPointer(names), 0, UInt(X509V3_ADD_DEFAULT)) == 1 else {
                throw CryptoError("subjectAltName extension")
            }
        }
        guard X509_sign(x509, signingKey.pointer, EVP_sha256()) > 0 else { throw CryptoError("certificate signing") }
        return certificate
    }

    /// 16 random bytes, positive and of full length: unpredictable serials are what the CA/B
    /// rules ask for, and a serial is also how `certs status` tells a renewed certificate apart.
    private func setSerial(_ x509: OpaquePointer) throws(CryptoError) {
        var bytes = try SecureRandom.bytes(16)
        bytes[0] = (bytes[0] & 0x7F) | 0x40
        guard let number = BN_bin2bn(bytes, Int32(bytes.count), nil) else { throw CryptoError("serial number") }
        defer { BN_free(number) }
        guard let serial = BN_to_ASN1_INTEGER(number, nil) else { throw CryptoError("serial number") }
        defer { ASN1_INTEGER_free(serial) }
        guard X509_set_serialNumber(x509, serial) == 1 else { throw CryptoError("serial number") }
    }

    private func setSubject(_ x509: OpaquePointer) throws(CryptoError) {
        guard let name = X509_NAME_new() else { throw CryptoError("subject allocation") }
        defer { X509_NAME_free(name) }
        let bytes = Array(commonName.utf8)
        guard X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8, bytes, Int32(bytes.count), -1, 0) == 1,
              X509_set_subject_name(x509, name) == 1
        else { throw CryptoError("certificate subject \(commonName)") }
    }

    private func setTime(
        _ time: UTCTimestamp, _ set: (OpaquePointer?, UnsafePointer<ASN1_TIME>?) -> Int32, _ x509: OpaquePointer
    ) throws(CryptoError) {
        // ASN1_TIME_set picks UTCTime before 2050 and GeneralizedTime after, as RFC 5280 asks.
        guard let asn1 = ASN1_TIME_set(nil, time_t(time.secondsSinceEpoch)) else { throw CryptoError("certificate validity") }
        defer { ASN1_TIME_free(asn1) }
        guard set(x509, asn1) == 1 else { throw CryptoError("certificate validity") }
    }

    private func addExtensions(_ x509: OpaquePointer, issuer: OpaquePointer) throws(CryptoError) {
        var context = X509V3_CTX()
        X509V3_set_ctx(&context, issuer, x509, nil, nil, 0)
        for (nid, value) in extensions {
            guard let extensionValue = X509V3_EXT_conf_nid(nil, &context, nid, value) else {
                throw CryptoError("certificate extension \(String(cString: OBJ_nid2sn(nid))) = \(value)")
            }
            defer { X509_EXTENSION_free(extensionValue) }
            guard X509_add_ext(x509, extensionValue, -1) == 1 else { throw CryptoError("certificate extension") }
        }
    }
}
