import AegisCore
import CLibCrypto
import Glibc

extension Certificate {
    /// Subject, issuer, names, serial, validity, CA flag and fingerprint.
    public var info: CertificateInfo {
        CertificateInfo(
            subject: Self.commonName(of: X509_get_subject_name(pointer)),
            issuer: Self.commonName(of: X509_get_issuer_name(pointer)),
            subjectAltNames: subjectAltNames,
            serial: serialHex,
            notBefore: Self.timestamp(X509_get0_notBefore(pointer)),
            notAfter: Self.timestamp(X509_get0_notAfter(pointer)),
            // The flag is derived from basicConstraints by OpenSSL's extension cache.
            isCA: X509_get_extension_flags(pointer) & UInt32(EXFLAG_CA) != 0,
            sha256Fingerprint: sha256Fingerprint)
    }

    /// DNS names and IP addresses of the subjectAltName extension; other kinds (e-mail, URI)
    /// are left out because nothing here uses them.
    var subjectAltNames: [String] {
        guard let raw = X509_get_ext_d2i(pointer, NID_subject_alt_name, nil, nil) else { return [] }
        let names = OpaquePointer(raw)
        defer { GENERAL_NAMES_free(names) }
        var result: [String] = []
        // sk_GENERAL_NAME_* are macros; the untyped OPENSSL_sk_* functions are what they call.
        for index in 0..<OPENSSL_sk_num(names) {
            guard let entry = OPENSSL_sk_value(names, index)?.assumingMemoryBound(to: GENERAL_NAME.self) else { continue }
            switch entry.pointee.type {
            case GEN_DNS:
                if let text = Self.string(entry.pointee.d.dNSName) { result.append(text) }
            case GEN_IPADD:
                if let octets = entry.pointee.d.iPAddress, let data = ASN1_STRING_get0_data(octets) {
                    let bytes = Array(UnsafeBufferPointer(start: data, count: Int(ASN1_STRING_length(octets))))
                    if let text = SubjectAltName.ipAddressText(bytes) { result.append(text) }
                }
            default:
                continue
            }
        }
        return result
    }

    /// Lower-case hex without leading zero bytes, the digits `openssl x509 -serial` prints.
    var serialHex: String {
        guard let serial = X509_get0_serialNumber(pointer), let number = ASN1_INTEGER_to_BN(serial, nil) else { return "" }
        defer { BN_free(number) }
        guard let hex = BN_bn2hex(number) else { return "" }
        defer { CRYPTO_free(hex, nil, 0) }
        return String(cString: hex).lowercased()
    }

    var sha256Fingerprint: String {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard X509_digest(pointer, EVP_sha256(), &digest, &length) == 1 else { return "" }
        return SHA256Hasher.hex(Array(digest.prefix(Int(length))))
    }

    private static func commonName(of name: OpaquePointer?) -> String {
        guard let name else { return "" }
        let index = X509_NAME_get_index_by_NID(name, NID_commonName, -1)
        guard index >= 0, let entry = X509_NAME_get_entry(name, index) else { return "" }
        return string(X509_NAME_ENTRY_get_data(entry)) ?? ""
    }

    /// Any ASN.1 string type as UTF-8 (a CN may be a PrintableString, a UTF8String or a BMPString).
    private static func string(_ value: UnsafePointer<ASN1_STRING>?) -> String? {
        guard let value else { return nil }
        var output: UnsafeMutablePointer<UInt8>?
        let length = ASN1_STRING_to_UTF8(&output, value)
        guard length >= 0, let output else { return nil }
        defer { CRYPTO_free(output, nil, 0) }
        return String(decoding: UnsafeBufferPointer(start: output, count: Int(length)), as: UTF8.self)
    }

    private static func string(_ value: UnsafeMutablePointer<ASN1_STRING>?) -> String? {
        string(UnsafePointer(value))
    }

    /// ASN1_TIME (UTCTime or GeneralizedTime, always UTC in certificates) to our timestamp.
    static func timestamp(_ time: UnsafePointer<ASN1_TIME>?) -> UTCTimestamp {
        var parts = tm()
        guard let time, ASN1_TIME_to_tm(time, &parts) == 1 else { return UTCTimestamp(secondsSinceEpoch: 0) }
        return UTCTimestamp(
            year: Int(parts.tm_year) + 1900, month: Int(parts.tm_mon) + 1, day: Int(parts.tm_mday),
            hour: Int(parts.tm_hour), minute: Int(parts.tm_min), second: Int(parts.tm_sec))
    }
}
