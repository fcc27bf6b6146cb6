/// An X25519 secret key that decrypts files sent to its recipient, written
/// `AGE-SECRET-KEY-1…` (Bech32, HRP `age-secret-key-`, upper case).
public struct AgeX25519Identity: Sendable, CustomStringConvertible {
    static let hrp = "age-secret-key-"

    let secretKey: [UInt8]
    /// The public half: encrypt to this.
    public let recipient: AgeX25519Recipient

    /// A new identity from the system's CSPRNG.
    public static func generate() throws(AgeError) -> AgeX25519Identity {
        do {
            return try AgeX25519Identity(secretKey: X25519.generatePrivateKey())
        } catch {
            throw .crypto(error)
        }
    }

    /// Parses an `AGE-SECRET-KEY-1…` string (either case). Errors never echo the key.
    public init(parsing string: String) throws(AgeError) {
        let secretKey: [UInt8]
        do {
            secretKey = try Bech32.decode(string, expectingHRP: Self.hrp, count: X25519.keySize)
        } catch {
            throw .invalidIdentity(error)
        }
        do {
            try self.init(secretKey: secretKey)
        } catch {
            throw .crypto(error)
        }
    }

    init(secretKey: [UInt8]) throws(CryptoError) {
        precondition(secretKey.count == X25519.keySize)
        self.secretKey = secretKey
        recipient = AgeX25519Recipient(publicKey: try X25519.publicKey(privateKey: secretKey))
    }

    /// The `AGE-SECRET-KEY-1…` form, upper case as age writes it. This is the secret.
    public var encoded: String {
        Bech32.encode(hrp: Self.hrp, data: secretKey).uppercased()
    }

    /// Names the identity by its recipient, so logging an identity never prints the secret.
    public var description: String { "AgeX25519Identity(\(recipient.encoded))" }
}
