/// What one of aegisd's own TLS clients (the Loki health probe, the log shipper, `stats`)
/// checks a server against. Decided from the configuration in the core; `TLSConnection` in
/// AegisSystem carries it out.
public struct TLSClientSettings: Sendable, Equatable {
    /// PEM bundle of the CAs the server's chain must lead to; nil means the system's trust store
    /// (OpenSSL's default paths: /etc/ssl/certs on Debian).
    public var caFile: String?
    /// The name the server's certificate must carry as a subjectAltName (a DNS name or an IP
    /// address); a DNS name is also sent as SNI.
    public var serverName: String

    public init(caFile: String?, serverName: String) {
        self.caFile = caFile
        self.serverName = serverName
    }

    /// Where trust comes from, for error messages.
    public var trustDescription: String { caFile.map { "CA file \($0)" } ?? "the system's CA store" }
}
