/// What an operator (and the renewal plan) needs to know about one X.509 certificate, read out
/// of it by `AegisSystem.Certificate`. Plain data, so that the control protocol can carry it and
/// the plan can be tested without OpenSSL.
public struct CertificateInfo: Sendable, Equatable, Codable {
    /// The subject's common name, empty when the subject has none.
    public var subject: String
    /// The issuer's common name, empty when the issuer has none.
    public var issuer: String
    /// DNS names and IP addresses (`127.0.0.1`, `::1`) of the subjectAltName extension, in
    /// certificate order.
    public var subjectAltNames: [String]
    /// The serial number in lower-case hexadecimal, without separators.
    public var serial: String
    public var notBefore: UTCTimestamp
    public var notAfter: UTCTimestamp
    /// True when basicConstraints says CA:TRUE.
    public var isCA: Bool
    /// SHA-256 of the DER encoding, lower-case hexadecimal (`openssl x509 -fingerprint -sha256`
    /// prints the same digits in upper case with colons).
    public var sha256Fingerprint: String

    public init(
        subject: String, issuer: String, subjectAltNames: [String], serial: String,
        notBefore: UTCTimestamp, notAfter: UTCTimestamp, isCA: Bool, sha256Fingerprint: String
    ) {
        self.subject = subject
        self.issuer = issuer
        self.subjectAltNames = subjectAltNames
        self.serial = serial
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.isCA = isCA
        self.sha256Fingerprint = sha256Fingerprint
    }

    /// Whole days until `notAfter`, rounded down; negative once expired. A certificate that
    /// expires in 23 hours has 0 days left, which is what "renew when fewer than N days are
    /// left" should see.
    public func daysLeft(now: UTCTimestamp) -> Int {
        let seconds = notAfter.secondsSinceEpoch - now.secondsSinceEpoch
        return Int(seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400)
    }

    /// The first instant after `now` at which `daysLeft` or `isValid(at:)` answers differently
    /// than at `now`: the next second a whole day of what is left runs out (the second after
    /// `notAfter` among them), or `notBefore` while it is ahead.
    public func nextChange(after now: UTCTimestamp) -> UTCTimestamp {
        let remaining = notAfter.secondsSinceEpoch - now.secondsSinceEpoch
        // `daysLeft` is remaining / 86 400 rounded down: it drops once the part of a day left
        // over is used up, one second after it reaches 0.
        let intoDay = (remaining % 86_400 + 86_400) % 86_400
        var next = now.secondsSinceEpoch + intoDay + 1
        if now < notBefore { next = min(next, notBefore.secondsSinceEpoch) }
        return UTCTimestamp(secondsSinceEpoch: next)
    }

    /// True when `now` lies inside [notBefore, notAfter].
    public func isValid(at now: UTCTimestamp) -> Bool {
        notBefore <= now && now <= notAfter
    }
}
