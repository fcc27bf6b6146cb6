/// What is on disk for one role, as the store found it before planning.
public enum CertificateCondition: Sendable, Equatable {
    /// Neither the certificate nor (for the CA) its key exists.
    case missing
    /// Something exists but cannot be used as is; the text says why, for an operator
    /// ("the key does not match the certificate", "not issued by the current CA").
    case unusable(String)
    /// A readable certificate whose key matches and, for a leaf, that the current CA issued.
    case present(CertificateInfo)
}
