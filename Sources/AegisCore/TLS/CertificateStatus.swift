/// One line of `aegisctl certs status`: a role, its files, and what its certificate says.
public struct CertificateStatus: Sendable, Equatable, Codable {
    public var role: CertificateRole
    public var certificatePath: String
    public var keyPath: String
    /// Nil when the certificate is missing or unreadable (then `problem` says which).
    public var info: CertificateInfo?
    /// Whole days left at the time of the query; negative once expired.
    public var daysLeft: Int?
    /// Why the pair cannot be used, for an operator; nil when it is fine.
    public var problem: String?

    public init(role: CertificateRole, certificatePath: String, keyPath: String, info: CertificateInfo?, daysLeft: Int?, problem: String?) {
        self.role = role
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        self.info = info
        self.daysLeft = daysLeft
        self.problem = problem
    }
}
