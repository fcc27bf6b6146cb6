/// The certificate chain and key one of aegisd's own TLS servers (the `/metrics` endpoint)
/// presents. Files, not loaded bytes: the server reads them at every handshake, so a renewed or
/// rotated certificate is served from the next connection on, without a restart.
public struct TLSServerIdentity: Sendable, Equatable {
    /// PEM: the leaf first, then any intermediates.
    public var certificateFile: String
    /// PEM private key of the leaf.
    public var keyFile: String

    public init(certificateFile: String, keyFile: String) {
        self.certificateFile = certificateFile
        self.keyFile = keyFile
    }
}
