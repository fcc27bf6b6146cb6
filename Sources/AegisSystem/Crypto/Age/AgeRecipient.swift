/// Who can open a file: an X25519 public key, or whoever knows a passphrase.
public enum AgeRecipient: Sendable, CustomStringConvertible {
    /// age's default scrypt work factor (2^18, about a second and 256 MiB to open).
    public static let defaultWorkFactor = 18

    /// An `age1…` public key. A file may have several.
    case x25519(AgeX25519Recipient)
    /// A passphrase, stretched with scrypt at 2^`workFactor`. It must be the file's only
    /// recipient. Lower work factors are for tests.
    case passphrase(String, workFactor: Int = 18)

    /// Parses an `age1…` recipient string.
    public static func parse(_ string: String) throws(AgeError) -> AgeRecipient {
        .x25519(try AgeX25519Recipient(parsing: string))
    }

    /// Never prints the passphrase.
    public var description: String {
        switch self {
        case .x25519(let recipient): recipient.encoded
        case .passphrase(_, let workFactor): "passphrase (scrypt 2^\(workFactor))"
        }
    }

    /// The stanza that wraps `fileKey` for this recipient.
    func wrap(fileKey: [UInt8]) throws(AgeError) -> AgeStanza {
        switch self {
        case .x25519(let recipient):
            return try AgeX25519Stanza.wrap(fileKey: fileKey, to: recipient)
        case .passphrase(let passphrase, let workFactor):
            return try AgeScryptStanza.wrap(fileKey: fileKey, passphrase: passphrase, workFactor: workFactor)
        }
    }
}
