/// Which services hold a server certificate, and how aegisd's own clients verify Loki.
extension AegisConfig {
    /// The name aegisd's clients expect on the supervised Loki's certificate. Every server
    /// certificate carries it: the built-in CA always puts it in, and operator certificates
    /// must have it (`OperatorCertificates.requiredNames`).
    public static let supervisedLokiServerName = "localhost"

    /// The services with a server certificate: the enabled PostgreSQL instances and Redis, and
    /// Loki when `[loki] tls` is on.
    public var serverCertificateServices: [ServiceID] {
        ServiceID.allCases.filter { isEnabled($0) && ($0.kind != .loki || loki.tls) }
    }

    /// The metrics endpoint when it serves HTTPS with a certificate of aegisd's CA (`[metrics]
    /// tls` without the operator's files); nil otherwise.
    public var issuedMetricsEndpoint: MetricsEndpoint? {
        guard tls.enabled, !tls.usesOperatorCertificates, metrics.usesIssuedCertificate,
              case .success(let endpoint) = MetricsEndpoint.of(metrics)
        else { return nil }
        return endpoint
    }

    /// How the health probe and `stats` reach the supervised Loki: over TLS, verified against the
    /// CA of the certificate tree in use, when `[loki] tls` is on; nil (plain http) otherwise.
    public var supervisedLokiTLS: TLSClientSettings? {
        guard loki.tls else { return nil }
        return TLSClientSettings(caFile: CertificateLayout(self).ca.certificate, serverName: Self.supervisedLokiServerName)
    }

    /// The URL the shipper pushes to: `[logs] loki_url`, or the supervised Loki's.
    public var lokiPushURL: String {
        logs.effectiveLokiURL(lokiHTTPPort: loki.httpPort, lokiTLS: loki.tls)
    }

    /// How a push to `endpoint` is verified: nil for http; for the supervised Loki, aegisd's CA;
    /// for an https `loki_url`, `[logs] loki_ca_file` or else the system's CA store, with the
    /// URL's host as the name to check.
    public func lokiPushTLS(_ endpoint: LokiEndpoint) -> TLSClientSettings? {
        guard endpoint.secure else { return nil }
        if logs.lokiURL.isEmpty, let own = supervisedLokiTLS { return own }
        return TLSClientSettings(caFile: logs.lokiCAFile.isEmpty ? nil : logs.lokiCAFile, serverName: endpoint.host)
    }
}
