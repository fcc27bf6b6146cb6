/// What can open a file: an X25519 secret key, or a passphrase.
public enum AgeIdentity: Sendable, CustomStringConvertible {
    /// age's default ceiling on the scrypt work factor it will compute (2^22: 4 GiB, seconds).
    public static let defaultMaxWorkFactor = 22

    /// An `AGE-SECRET-KEY-1…` key.
    case x25519(AgeX25519Identity)
    /// A passphrase; files demanding more than 2^`maxWorkFactor` scrypt work are refused
    /// before any work is done, so a hostile file cannot exhaust memory or time.
    case passphrase(String, maxWorkFactor: Int = 22)

    /// Never prints the secret.
    public var description: String {
        switch self {
        case .x25519(let identity): identity.description
        case .passphrase(_, let limit): "passphrase (scrypt up to 2^\(limit))"
        }
    }

    /// The file key from the first stanza this identity opens, nil when none is addressed to
    /// it. Stanzas of other types are ignored; malformed stanzas of its own type are errors.
    func unwrap(_ stanzas: [AgeStanza]) throws(AgeError) -> [UInt8]? {
        for stanza in stanzas {
            let fileKey: [UInt8]?
            switch self {
            case .x25519(let identity):
                guard stanza.type == AgeX25519Stanza.type else { continue }
                fileKey = try AgeX25519Stanza.unwrap(stanza, with: identity)
            case .passphrase(let passphrase, let limit):
                guard stanza.type == AgeScryptStanza.type else { continue }
                fileKey = try AgeScryptStanza.unwrap(stanza, passphrase: passphrase, maxWorkFactor: limit)
            }
            if let fileKey { return fileKey }
        }
        return nil
    }
}
