/// `[tls]`: the built-in certificate authority and how each server uses it.
public struct TLSSettings: Sendable, Equatable {
    /// TLS for PostgreSQL and Redis over TCP, and the certificates Loki uses with `[loki] tls`.
    /// Off only for debugging: every connection of the platform is encrypted.
    public var enabled: Bool = true
    /// Validity of the server and client certificates, in days (`leaf_validity_days`).
    public var leafValidityDays: Int = 90
    /// Certificates with fewer days left are re-issued and the servers reloaded (`renew_before_days`).
    public var renewBeforeDays: Int = 30
    /// Extra DNS names or IP addresses for the server certificates, beside localhost,
    /// 127.0.0.1, ::1 and the host name (`extra_names`).
    public var extraNames: [String] = []
    /// PostgreSQL client certificates: `off`, or `verify-full` (the certificate's CN must be the
    /// role) on top of the SCRAM password (`postgres_client_cert`).
    public var postgresClientCert: String = "off"
    /// Redis client certificates: `no`, `optional` or `yes` (Redis's `tls-auth-clients`).
    public var redisClientCert: String = "no"
    /// A plaintext TCP port for Redis beside the TLS one; 0 (the default) means none.
    public var redisPlaintextPort: Int = 0
    /// A directory of CA-signed certificates laid out like the built-in CA's tree, used instead
    /// of it and never written to; empty (the default) means the built-in CA (`operator_dir`).
    public var operatorDir: String = ""

    /// Whether the certificates are the operator's (`operator_dir`) rather than aegisd's own.
    public var usesOperatorCertificates: Bool { !operatorDir.isEmpty }

    public init() {}

    public static let postgresClientCertModes = ["off", "verify-full"]
    public static let redisClientCertModes = ["no", "optional", "yes"]

    /// The renewal policy these settings give the certificate authority.
    public var policy: CertificatePolicy {
        CertificatePolicy(leafValidityDays: leafValidityDays, renewBeforeDays: renewBeforeDays)
    }
}
