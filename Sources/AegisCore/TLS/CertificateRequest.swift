/// What a leaf certificate should say: who it is for and which names it must carry.
public struct CertificateRequest: Sendable, Equatable {
    public var role: CertificateRole
    public var commonName: String
    /// DNS names and IP addresses, in the order they go into the certificate.
    public var subjectAltNames: [String]

    public init(role: CertificateRole, commonName: String, subjectAltNames: [String]) {
        self.role = role
        self.commonName = commonName
        self.subjectAltNames = subjectAltNames
    }

    /// The names every server answers to locally, before the host's own names.
    public static let loopbackNames = ["localhost", "127.0.0.1", "::1"]

    /// A server certificate named after the service, valid for loopback, the host names and the
    /// operator's extra names. Duplicates (ignoring case) and empty names are dropped, so that
    /// a host called "localhost" does not produce a changed SAN list.
    public static func server(_ service: ServiceID, hostNames: [String], extraNames: [String]) -> CertificateRequest {
        CertificateRequest(
            role: .server(service), commonName: service.rawValue, subjectAltNames: serverNames(hostNames + extraNames))
    }

    /// Loopback, then `names`, without empty names and duplicates (ignoring case).
    static func serverNames(_ names: [String]) -> [String] {
        var seen: Set<String> = []
        var kept: [String] = []
        for name in loopbackNames + names {
            let trimmed = name.trimmingWhitespace
            guard !trimmed.isEmpty, seen.insert(trimmed.lowercased()).inserted else { continue }
            kept.append(trimmed)
        }
        return kept
    }

    /// The certificate of aegisd's `/metrics` endpoint: the server names plus the address it
    /// listens on, so a scraper on another host can verify it by that address too.
    public static func metrics(hostNames: [String], extraNames: [String], listenAddress: String?) -> CertificateRequest {
        CertificateRequest(
            role: .metrics, commonName: "aegisd-metrics",
            subjectAltNames: serverNames(hostNames + extraNames + [listenAddress].compactMap { $0 }))
    }

    /// A client certificate for an app service; the common name is the database role it logs in
    /// as, which is what PostgreSQL's `clientcert=verify-full` compares with the user name.
    public static func client(_ app: PostgresInstance, role: String? = nil) -> CertificateRequest {
        CertificateRequest(role: .client(app), commonName: role ?? app.defaultRole, subjectAltNames: [])
    }
}

extension String {
    fileprivate var trimmingWhitespace: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}
