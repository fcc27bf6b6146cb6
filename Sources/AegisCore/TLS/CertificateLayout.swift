/// Where the built-in certificate authority keeps its files, one directory per service:
/// `certs/ca/`, `certs/postgres/<instance>/`, `certs/redis/`, `certs/loki/`,
/// `certs/clients/<app>/`. Keys are `*.key` (0600, owned by whoever reads them), certificates
/// `*.crt` (PEM).
public struct CertificateLayout: Sendable, Equatable {
    public let root: String

    /// The built-in CA's tree under the state directory.
    public init(_ layout: StateLayout) {
        root = layout.certsDir
    }

    /// The tree the servers use: the operator's (`[tls] operator_dir`) when set, else the
    /// built-in CA's.
    public init(_ config: AegisConfig) {
        root = config.tls.usesOperatorCertificates ? config.tls.operatorDir : config.layout.certsDir
    }

    /// A certificate and its key.
    public struct Pair: Sendable, Equatable, Hashable {
        public let certificate: String
        public let key: String
    }

    public var caDirectory: String { "\(root)/ca" }
    public var ca: Pair { Pair(certificate: "\(caDirectory)/ca.crt", key: "\(caDirectory)/ca.key") }

    /// The server certificate of a service (PostgreSQL instances, Redis, Loki).
    public func server(_ service: ServiceID) -> Pair {
        let directory: String
        switch service.kind {
        case .postgres: directory = "\(root)/postgres/\(service.postgresInstance!.rawValue)"
        case .redis: directory = "\(root)/redis"
        case .loki: directory = "\(root)/loki"
        }
        return Pair(certificate: "\(directory)/server.crt", key: "\(directory)/server.key")
    }

    /// The server certificate of aegisd's `/metrics` endpoint (`[metrics] tls` without files of
    /// the operator's); its key belongs to aegisd's own user, which serves the endpoint.
    public var metrics: Pair { Pair(certificate: "\(root)/metrics/server.crt", key: "\(root)/metrics/server.key") }

    /// Every pair the tree can hold: the CA, each service's server pair, the metrics
    /// endpoint's, each app's client pair.
    public var allPairs: [Pair] {
        [ca] + ServiceID.allCases.map(server) + [metrics] + PostgresInstance.allCases.map(client)
    }

    /// The client certificate of an app service (backend, ai-engine, executor).
    public func client(_ app: PostgresInstance) -> Pair {
        Pair(certificate: "\(root)/clients/\(app.rawValue)/client.crt", key: "\(root)/clients/\(app.rawValue)/client.key")
    }
}
