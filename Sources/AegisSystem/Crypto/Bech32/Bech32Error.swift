/// Why a string is not valid Bech32, or not the Bech32 key that was expected.
public enum Bech32Error: Error, Sendable, Equatable, CustomStringConvertible {
    /// Upper- and lower-case letters mixed: Bech32 allows either, never both.
    case mixedCase
    /// No `1` separating the human-readable part from the data.
    case missingSeparator
    /// Fewer than the six checksum characters after the separator, or an empty prefix.
    case tooShort
    /// A character outside the Bech32 alphabet (or outside printable ASCII in the prefix).
    case invalidCharacter(Character)
    /// The checksum does not match: a typo, or a truncated or altered string.
    case badChecksum
    /// The data does not convert to whole bytes (non-zero or excess padding bits).
    case invalidPadding
    /// A valid string of another kind, e.g. an identity where a recipient was expected.
    case wrongHRP(expected: String, found: String)
    /// A valid string carrying the wrong number of bytes.
    case wrongLength(expected: Int, found: Int)

    public var description: String {
        switch self {
        case .mixedCase: "mixes upper- and lower-case letters"
        case .missingSeparator: "has no \"1\" separator"
        case .tooShort: "is too short to carry a Bech32 checksum"
        case .invalidCharacter(let character): "contains the invalid character \(character.debugDescription)"
        case .badChecksum: "has a bad checksum (mistyped or altered)"
        case .invalidPadding: "has invalid padding bits"
        case .wrongHRP(let expected, let found): "starts with \"\(found)1\" where \"\(expected)1\" was expected"
        case .wrongLength(let expected, let found): "carries \(found) bytes where \(expected) were expected"
        }
    }
}
