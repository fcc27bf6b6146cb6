/// An X25519 public key that files can be encrypted to, written `age1…` (Bech32, HRP `age`).
/// Knowing it lets a host write backups that only the holder of the identity can read.
public struct AgeX25519Recipient: Sendable, Hashable, CustomStringConvertible {
    static let hrp = "age"

    /// The 32-byte Curve25519 public key.
    public let publicKey: [UInt8]

    /// Parses an `age1…` string (either case, as Bech32 allows).
    public init(parsing string: String) throws(AgeError) {
        do {
            publicKey = try Bech32.decode(string, expectingHRP: Self.hrp, count: X25519.keySize)
        } catch {
            throw .invalidRecipient(error)
        }
    }

    init(publicKey: [UInt8]) {
        precondition(publicKey.count == X25519.keySize)
        self.publicKey = publicKey
    }

    /// The canonical lower-case `age1…` form, as `age-keygen` prints it.
    public var encoded: String {
        Bech32.encode(hrp: Self.hrp, data: publicKey)
    }

    public var description: String { encoded }
}
