/// A standby's Redis following the primary's: `replicaof` over TLS, verified by the primary's CA.
public struct RedisReplica: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var user: String
    /// In clear text: Redis takes it no other way. redis.conf is 0600 and the service's own.
    public var password: String
    /// The client certificate the primary's CA issued, for a primary that asks for one.
    public var certificate: String
    public var key: String

    public init(host: String, port: Int, user: String, password: String, certificate: String, key: String) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.certificate = certificate
        self.key = key
    }

    /// Whether `config`'s Redis follows a primary's: on a standby, not promoted, paired with a
    /// primary that runs Redis, over TLS.
    public static func follows(_ config: AegisConfig) -> Bool {
        config.replication.follows(.redis) && config.replication.primaryRedisPort != 0 && config.tls.enabled
    }

    /// The service's copies of the pairing files: the CA bundle (this host's CA, which verifies
    /// its own clients, then the primary's, which verifies the primary) and the client pair.
    public static func files(_ layout: StateLayout) -> (ca: String, certificate: String, key: String) {
        let directory = "\(layout.configDir(of: .redis))/replication"
        return ("\(directory)/ca-bundle.crt", "\(directory)/client.crt", "\(directory)/client.key")
    }

    /// The replica's lines of redis.conf. Redis verifies its primary with its own
    /// `tls-ca-cert-file`, so on a standby that file holds both CAs (see `RedisConfigRenderer`).
    var configLines: String {
        let escaped = password.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"")
        return """
            replicaof \(host) \(port)
            masteruser \(user)
            masterauth "\(escaped)"
            replica-read-only yes
            tls-replication yes
            tls-client-cert-file \(certificate)
            tls-client-key-file \(key)
            """
    }
}
