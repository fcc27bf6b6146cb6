import AegisCore
import CLibCrypto

/// The built-in certificate authority: a self-signed P-256 CA that issues the server
/// certificates of the supervised services and the client certificates of the app services.
public struct CertificateAuthority: Sendable {
    /// The subject of the CA aegisd creates.
    public static let defaultCommonName = "Aegis internal CA"

    public let certificate: Certificate
    public let key: PrivateKey

    /// Pairs a CA certificate with its key; throws when the key does not match or the
    /// certificate is not a CA, so that nothing is ever issued under a half-broken CA.
    public init(certificate: Certificate, key: PrivateKey) throws(SystemError) {
        guard key.matches(certificate) else { throw SystemError("the CA key does not match the CA certificate") }
        guard certificate.info.isCA else { throw SystemError("the CA certificate is not a CA (basicConstraints CA:TRUE is missing)") }
        self.certificate = certificate
        self.key = key
    }

    /// A new self-signed CA with a fresh P-256 key. It may sign leaves only (pathlen:0) and
    /// nothing but certificates and CRLs (keyUsage).
    public static func create(
        commonName: String = defaultCommonName, validity: CertificateValidity
    ) throws(CryptoError) -> CertificateAuthority {
        let key = try PrivateKey.generateP256()
        let builder = CertificateBuilder(
            commonName: commonName, validity: validity,
            extensions: [
                (NID_basic_constraints, "critical,CA:TRUE,pathlen:0"),
                (NID_key_usage, "critical,keyCertSign,cRLSign"),
                (NID_subject_key_identifier, "hash"),
            ])
        let certificate = try builder.sign(publicKey: key, issuer: nil, signingKey: key)
        return CertificateAuthority(unchecked: certificate, key: key)
    }

    /// Loads `ca.crt` and `ca.key`.
    public static func load(_ pair: CertificateLayout.Pair) throws(SystemError) -> CertificateAuthority {
        let certificate = try PEMFile.certificate(pair.certificate)
        let key = try PEMFile.privateKey(pair.key)
        return try CertificateAuthority(certificate: certificate, key: key)
    }

    private init(unchecked certificate: Certificate, key: PrivateKey) {
        self.certificate = certificate
        self.key = key
    }

    /// A TLS server certificate for `key`: CN `commonName`, the given names as subjectAltNames
    /// (IP literals become IP entries), extendedKeyUsage serverAuth.
    public func issueServer(
        commonName: String, subjectAltNames: [String], key: PrivateKey, validity: CertificateValidity
    ) throws(CryptoError) -> Certificate {
        try issue(commonName: commonName, subjectAltNames: subjectAltNames, extendedKeyUsage: "serverAuth", key: key, validity: validity)
    }

    /// A TLS client certificate for `key`: CN `commonName` (the database role the app logs in
    /// as), extendedKeyUsage clientAuth.
    public func issueClient(commonName: String, key: PrivateKey, validity: CertificateValidity) throws(CryptoError) -> Certificate {
        try issue(commonName: commonName, subjectAltNames: [], extendedKeyUsage: "clientAuth", key: key, validity: validity)
    }

    /// Issues the certificate a request describes: clients for `.client` roles, servers otherwise.
    public func issue(_ request: CertificateRequest, key: PrivateKey, validity: CertificateValidity) throws(CryptoError) -> Certificate {
        switch request.role {
        case .client, .replicationClient: try issueClient(commonName: request.commonName, key: key, validity: validity)
        case .server, .metrics, .ca: try issueServer(commonName: request.commonName, subjectAltNames: request.subjectAltNames, key: key, validity: validity)
        }
    }

    private func issue(
        commonName: String, subjectAltNames: [String], extendedKeyUsage: String, key: PrivateKey, validity: CertificateValidity
    ) throws(CryptoError) -> Certificate {
        let builder = CertificateBuilder(
            commonName: commonName, validity: validity, subjectAltNames: subjectAltNames,
            extensions: [
                (NID_basic_constraints, "critical,CA:FALSE"),
                // ECDSA keys sign the handshake (ECDHE provides the key agreement), so
                // digitalSignature is the one usage a P-256 leaf needs.
                (NID_key_usage, "critical,digitalSignature"),
                (NID_ext_key_usage, extendedKeyUsage),
                (NID_subject_key_identifier, "hash"),
                (NID_authority_key_identifier, "keyid:always"),
            ])
        return try builder.sign(publicKey: key, issuer: certificate, signingKey: self.key)
    }
}
