/// How long the built-in CA's certificates live and when they are renewed (`[tls]` in the
/// configuration). A value, so that the plan can be tested with any numbers.
public struct CertificatePolicy: Sendable, Equatable {
    /// Validity of server and client certificates (the default: 90 days).
    public var leafValidityDays: Int
    /// Leaves with fewer days left than this are re-issued (default 30 days).
    public var renewBeforeDays: Int
    /// Validity of the CA certificate: long, because replacing it means handing every app a new
    /// `ca.crt`.
    public var caValidityDays: Int

    public init(leafValidityDays: Int = 90, renewBeforeDays: Int = 30, caValidityDays: Int = 3650) {
        self.leafValidityDays = leafValidityDays
        self.renewBeforeDays = renewBeforeDays
        self.caValidityDays = caValidityDays
    }

    /// Why this policy cannot work, or nil. A leaf that lives no longer than the renewal
    /// threshold would be re-issued on every check.
    public var problem: String? {
        if leafValidityDays < 1 { return "the certificate validity must be at least 1 day (it is \(leafValidityDays))" }
        if renewBeforeDays < 0 { return "the renewal threshold must not be negative (it is \(renewBeforeDays))" }
        if leafValidityDays <= renewBeforeDays {
            return "the certificate validity (\(leafValidityDays) days) must be longer than the renewal threshold "
                + "(\(renewBeforeDays) days), or every certificate would be renewed on every check"
        }
        if caValidityDays <= leafValidityDays {
            return "the CA validity (\(caValidityDays) days) must be longer than the certificate validity (\(leafValidityDays) days)"
        }
        return nil
    }
}
