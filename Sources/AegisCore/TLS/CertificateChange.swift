/// One certificate the store created or re-issued, and why: what `ensure` and `rotate` return,
/// so that the daemon reloads only the servers whose certificates changed and logs the reason.
public struct CertificateChange: Sendable, Equatable, Codable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable, Codable {
        /// There was no certificate before.
        case created
        /// A certificate existed and was replaced (new key, new serial).
        case renewed
    }

    /// Why a certificate is (re-)issued.
    public enum Reason: Sendable, Equatable, Codable, CustomStringConvertible {
        case missing
        case unusable(String)
        case expired(notAfter: UTCTimestamp)
        case notYetValid(notBefore: UTCTimestamp)
        case expiresSoon(daysLeft: Int)
        case commonNameChanged(from: String, to: String)
        case namesChanged(added: [String], removed: [String])
        /// The CA was created or replaced, so what the old one issued no longer verifies.
        case newCA
        case rotationRequested

        public var description: String {
            switch self {
            case .missing: "it did not exist"
            case let .unusable(why): why
            case let .expired(notAfter): "it expired on \(notAfter)"
            case let .notYetValid(notBefore): "it is not valid before \(notBefore) (has the clock gone back?)"
            case let .expiresSoon(daysLeft): "it expires in \(daysLeft) day\(daysLeft == 1 ? "" : "s")"
            case let .commonNameChanged(from, to): "its common name changes from \(from) to \(to)"
            case let .namesChanged(added, removed):
                ([added.isEmpty ? nil : "adds \(added.joined(separator: ", "))",
                  removed.isEmpty ? nil : "drops \(removed.joined(separator: ", "))"]
                    .compactMap { $0 }.joined(separator: " and ")).prefixed("its names change: ")
            case .newCA: "the CA is new"
            case .rotationRequested: "rotation was requested"
            }
        }
    }

    public var role: CertificateRole
    public var kind: Kind
    public var reason: Reason

    public init(role: CertificateRole, kind: Kind, reason: Reason) {
        self.role = role
        self.kind = kind
        self.reason = reason
    }

    public var description: String { "\(role) \(kind.rawValue): \(reason)" }
}

extension String {
    fileprivate func prefixed(_ prefix: String) -> String { prefix + self }
}
