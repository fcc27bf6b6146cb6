import CLibCrypto
import Glibc

/// subjectAltName entries as the configuration writes them (plain strings) and as certificates
/// hold them (DNS names and 4- or 16-byte IP addresses). A string that parses as an address is
/// an IP SAN: TLS clients match an IP literal only against IP entries, never DNS ones.
public enum SubjectAltName {
    /// The address bytes when `text` is an IPv4 or IPv6 literal, else nil.
    public static func ipAddressBytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        return nil
    }

    /// The conventional text of a 4- or 16-byte address (`::1`, not `0:0:0:0:0:0:0:1`).
    public static func ipAddressText(_ bytes: [UInt8]) -> String? {
        let family: Int32
        switch bytes.count {
        case 4: family = AF_INET
        case 16: family = AF_INET6
        default: return nil
        }
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(family, bytes, &text, socklen_t(text.count)) != nil else { return nil }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The form a name takes once written into a certificate and read back, so that comparing
    /// wanted and present names does not see `0:0::1` and `::1` as a change.
    public static func canonical(_ name: String) -> String {
        if let bytes = ipAddressBytes(name), let text = ipAddressText(bytes) { return text }
        return name
    }

    /// A `GENERAL_NAMES` stack for the subjectAltName extension; the caller frees it with
    /// `GENERAL_NAMES_free`. Built entry by entry rather than from an OpenSSL config string, so
    /// that a name from the configuration cannot smuggle in a comma and a second entry.
    static func generalNames(_ names: [String]) throws(CryptoError) -> OpaquePointer {
        guard let stack = GENERAL_NAMES_new() else { throw CryptoError("subjectAltName allocation") }
        for name in names {
            guard let entry = GENERAL_NAME_new() else {
                GENERAL_NAMES_free(stack)
                throw CryptoError("subjectAltName allocation")
            }
            let value: UnsafeMutablePointer<ASN1_STRING>?
            let kind: Int32
            if let bytes = ipAddressBytes(name) {
                kind = GEN_IPADD
                value = ASN1_OCTET_STRING_new()
                if let value { ASN1_OCTET_STRING_set(value, bytes, Int32(bytes.count)) }
            } else {
                kind = GEN_DNS
                value = ASN1_IA5STRING_new()
                if let value { ASN1_STRING_set(value, name, Int32(name.utf8.count)) }
            }
            guard let value else {
                GENERAL_NAME_free(entry)
                GENERAL_NAMES_free(stack)
                throw CryptoError("subjectAltName allocation")
            }
            // set0: the entry now owns the string, and the stack owns the entry.
            GENERAL_NAME_set0_value(entry, kind, value)
            guard OPENSSL_sk_push(stack, entry) > 0 else {
                GENERAL_NAME_free(entry)
                GENERAL_NAMES_free(stack)
                throw CryptoError("subjectAltName allocation")
            }
        }
        return stack
    }
}
