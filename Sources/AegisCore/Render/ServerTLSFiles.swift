/// What a server needs for TLS from aegisd's certificate authority (or the operator's own
/// certificates): its certificate and key, the CA that signs clients, and the client
/// certificate mode of `[tls]` for that server.
public struct ServerTLSFiles: Sendable, Equatable {
    public var certificate: String
    public var key: String
    public var ca: String
    /// PostgreSQL: `off` or `verify-full`; Redis: `no`, `optional` or `yes`.
    public var clientCertificates: String

    public init(certificate: String, key: String, ca: String, clientCertificates: String) {
        self.certificate = certificate
        self.key = key
        self.ca = ca
        self.clientCertificates = clientCertificates
    }

    /// The files `[tls]` gives `service`, or nil when TLS is off.
    public static func of(_ service: ServiceID, config: AegisConfig) -> ServerTLSFiles? {
        guard config.tls.enabled else { return nil }
        let certificates = CertificateLayout(config)
        let server = certificates.server(service)
        return ServerTLSFiles(
            certificate: server.certificate, key: server.key, ca: certificates.ca.certificate,
            clientCertificates: service.kind == .redis ? config.tls.redisClientCert : config.tls.postgresClientCert)
    }
}
