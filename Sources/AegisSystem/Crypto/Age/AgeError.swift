/// Everything that can be wrong with age keys, recipients, headers and payloads, each case
/// naming one problem so that a failed restore says what happened to the file.
public enum AgeError: Error, Sendable, Equatable, CustomStringConvertible {
    // MARK: Keys and recipients

    /// An `age1…` recipient string that does not decode.
    case invalidRecipient(Bech32Error)
    /// An `AGE-SECRET-KEY-1…` identity string that does not decode. Never carries the key.
    case invalidIdentity(Bech32Error)
    /// An identity file (age-keygen format) with no identity, or a line that is not one.
    case invalidIdentityFile(String)
    /// Encryption was asked for with no recipient at all.
    case noRecipients
    /// A passphrase was combined with other recipients (or another passphrase); age requires a
    /// passphrase to be the only recipient, so a file "locked with a password" is only that.
    case passphraseMustBeAlone
    /// An scrypt work factor outside what we are willing to compute (1...30 for encryption).
    case invalidWorkFactor(Int)
    /// An X25519 key that is a low-order point: the shared secret would be all zeros.
    case lowOrderX25519Key

    // MARK: Header

    /// The input does not start with "age-encryption.org/" (ASCII-armored files are not
    /// supported either).
    case notAnAgeFile
    /// An age file of a version other than v1.
    case unsupportedVersion(String)
    /// The input ended before the header's MAC line, or before the payload nonce.
    case truncatedHeader
    /// No MAC line within the first `limit` bytes.
    case headerTooLong(limit: Int)
    /// The header breaks the format; the string says where.
    case malformedHeader(String)
    /// The header holds an scrypt (passphrase) stanza alongside other stanzas, which age forbids.
    case scryptStanzaNotAlone
    /// A passphrase file whose scrypt work factor exceeds the configured limit (a guard against
    /// files that would make us spend minutes and gigabytes).
    case workFactorTooHigh(found: Int, limit: Int)
    /// None of the given identities (keys or passphrases) opens any stanza of the header.
    case noIdentityMatched
    /// The header MAC does not verify: the header was modified.
    case headerMACMismatch

    // MARK: Payload

    /// A full-size chunk that authenticates neither as an inner chunk nor as the final one: the
    /// payload was modified.
    case chunkAuthenticationFailed(chunk: UInt64)
    /// The bytes at the end of the file do not authenticate as a final chunk: the file was cut
    /// inside a chunk, or its end was modified.
    case finalChunkAuthenticationFailed(chunk: UInt64)
    /// The file ends on a chunk boundary without a final chunk: it was truncated.
    case missingFinalChunk(afterChunks: UInt64)
    /// Bytes follow the final chunk.
    case trailingData
    /// An empty final chunk after other chunks, which the format forbids (only an empty file
    /// has an empty final chunk).
    case emptyFinalChunk(chunk: UInt64)

    // MARK: Library

    /// libcrypto itself failed.
    case crypto(CryptoError)

    public var description: String {
        switch self {
        case .invalidRecipient(let problem): "not a valid age recipient (age1…): it \(problem)"
        case .invalidIdentity(let problem): "not a valid age identity (AGE-SECRET-KEY-1…): it \(problem)"
        case .invalidIdentityFile(let problem): "not a valid age identity file: \(problem)"
        case .noRecipients: "age encryption needs at least one recipient"
        case .passphraseMustBeAlone: "an age passphrase must be the only recipient of a file"
        case .invalidWorkFactor(let logN): "scrypt work factor \(logN) is outside 1...30"
        case .lowOrderX25519Key: "the X25519 key is a low-order point (all-zero shared secret); age refuses it"
        case .notAnAgeFile: "not an age file (binary age-encryption.org/v1 expected; ASCII armor is not supported)"
        case .unsupportedVersion(let version): "unsupported age format version \"\(version)\" (only v1 is supported)"
        case .truncatedHeader: "the age file ends inside its header: it was truncated"
        case .headerTooLong(let limit): "the age header is longer than \(limit) bytes"
        case .malformedHeader(let problem): "malformed age header: \(problem)"
        case .scryptStanzaNotAlone: "the age header mixes a passphrase (scrypt) stanza with other stanzas, which age forbids"
        case .workFactorTooHigh(let found, let limit): "the passphrase work factor 2^\(found) exceeds the accepted maximum 2^\(limit)"
        case .noIdentityMatched: "no identity matched: the file was not encrypted to these keys, or the passphrase is wrong"
        case .headerMACMismatch: "the age header MAC does not verify: the header was modified"
        case .chunkAuthenticationFailed(let chunk): "payload chunk \(chunk) does not authenticate: the file was modified"
        case .finalChunkAuthenticationFailed(let chunk): "the last payload chunk (\(chunk)) does not authenticate: the file was truncated inside a chunk or modified"
        case .missingFinalChunk(let chunks): "the age payload ends after \(chunks) chunk(s) without its final chunk: the file was truncated"
        case .trailingData: "data follows the final chunk of the age payload"
        case .emptyFinalChunk(let chunk): "payload chunk \(chunk) is an empty final chunk after other chunks, which age forbids"
        case .crypto(let error): error.description
        }
    }
}
