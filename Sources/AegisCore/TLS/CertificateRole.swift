/// Which certificate of the built-in CA a file pair holds: the CA itself, the server certificate
/// of a supervised service, the client certificate of an app service, or the server certificate
/// of aegisd's own `/metrics` endpoint (`[metrics] tls`); on a standby also the replication
/// client certificate the primary's CA issued in the pairing bundle (`replication-client`),
/// watched for expiry but never issued here.
///
/// Encoded as text (`ca`, `server:redis`, `client:backend`, `metrics`) so that `certs status
/// --json` and logs read naturally.
public enum CertificateRole: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    case ca
    case server(ServiceID)
    case client(PostgresInstance)
    case metrics
    /// A standby's client certificate for replicating from its primary (`ReplicationCredentials`).
    case replicationClient

    /// The service whose server must reload when this certificate changes, if any.
    public var service: ServiceID? {
        if case let .server(service) = self { return service }
        return nil
    }

    public var description: String {
        switch self {
        case .ca: "ca"
        case let .server(service): "server:\(service.rawValue)"
        case let .client(app): "client:\(app.rawValue)"
        case .metrics: "metrics"
        case .replicationClient: "replication-client"
        }
    }

    /// Parses what `description` writes.
    public init?(text: String) {
        if text == "ca" {
            self = .ca
        } else if text == "metrics" {
            self = .metrics
        } else if text == "replication-client" {
            self = .replicationClient
        } else if text.hasPrefix("server:"), let service = ServiceID(rawValue: String(text.dropFirst(7))) {
            self = .server(service)
        } else if text.hasPrefix("client:"), let app = PostgresInstance(rawValue: String(text.dropFirst(7))) {
            self = .client(app)
        } else {
            return nil
        }
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let role = CertificateRole(text: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a certificate role: \(text)"))
        }
        self = role
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    /// CA first, then servers in service order, the metrics endpoint, then clients: the order in
    /// which they are issued.
    private var sortKey: (Int, Int) {
        switch self {
        case .ca: (0, 0)
        case let .server(service): (1, ServiceID.allCases.firstIndex(of: service)!)
        case .metrics: (1, ServiceID.allCases.count)
        case let .client(app): (2, PostgresInstance.allCases.firstIndex(of: app)!)
        case .replicationClient: (3, 0)
        }
    }

    public static func < (lhs: CertificateRole, rhs: CertificateRole) -> Bool {
        lhs.sortKey < rhs.sortKey
    }
}
