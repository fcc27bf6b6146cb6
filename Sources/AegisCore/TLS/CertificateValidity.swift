/// The notBefore/notAfter window of a certificate about to be issued. Any window is allowed,
/// including one wholly in the past, so that tests can make expired certificates.
public struct CertificateValidity: Sendable, Equatable {
    public var notBefore: UTCTimestamp
    public var notAfter: UTCTimestamp

    /// How far notBefore is backdated: a client whose clock runs a few minutes behind ours must
    /// not see a freshly issued certificate as "not yet valid".
    public static let clockSkewAllowance: Int64 = 300

    public init(notBefore: UTCTimestamp, notAfter: UTCTimestamp) {
        precondition(notBefore <= notAfter, "certificate validity ends before it starts")
        self.notBefore = notBefore
        self.notAfter = notAfter
    }

    /// Valid from a few minutes before `now` until `days` days after it.
    public static func days(_ days: Int, from now: UTCTimestamp) -> CertificateValidity {
        precondition(days > 0, "certificate validity must be at least one day")
        return CertificateValidity(
            notBefore: now.adding(seconds: -clockSkewAllowance),
            notAfter: now.adding(seconds: Int64(days) * 86_400))
    }
}
