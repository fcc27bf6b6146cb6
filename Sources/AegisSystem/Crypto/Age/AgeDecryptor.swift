import CLibCrypto
import Glibc

/// Decrypts an age file (age-encryption.org/v1) fed to it in pieces of any size, writing
/// plaintext to a sink one authenticated 64 KiB chunk at a time. Nothing is released before
/// the header MAC has verified, and nothing of a chunk before its tag has; `finish()` then
/// proves the stream really ended with its final chunk. Used from one thread at a time.
///
///     let decryptor = AgeDecryptor(identities: [.x25519(identity)]) { try restore.write($0) }
///     try decryptor.write(piece)   // as the file is read
///     try decryptor.finish()       // throws if the file was truncated
///
/// Format problems are thrown as `AgeError`; the sink's own errors pass through unchanged.
/// After any error the decryptor keeps throwing it.
public final class AgeDecryptor {
    /// Headers are a few hundred bytes; this only stops unbounded buffering of a non-age file.
    public static let maxHeaderSize = 1 << 20

    private enum State {
        /// Collecting header lines up to the MAC line.
        case header
        /// Header verified; collecting the 16-byte payload nonce.
        case nonce
        /// Decrypting chunks.
        case payload(AgePayloadOpener)
        /// The final chunk verified at `finish()`.
        case finished
    }

    private let identities: [AgeIdentity]
    private let output: (UnsafeRawBufferPointer) throws -> Void
    private var state = State.header
    private var failure: (any Error)?

    private var headerBytes: [UInt8] = []
    private var lineStart = 0
    private var fileKey: [UInt8] = []
    private var payloadNonce: [UInt8] = []

    private var payloadBytes: Int64 = 0

    /// Plaintext bytes released to the sink so far.
    public var plaintextBytes: Int64 {
        if case .payload(let opener) = state { opener.plaintextBytes } else { payloadBytes }
    }

    /// Whether the header has been read and its MAC verified with a file key that one of the
    /// identities unwrapped: the key is right and the header untouched.
    public var headerVerified: Bool {
        if case .header = state { false } else { true }
    }

    /// A decryptor that tries `identities` in order against the header's stanzas.
    public init(identities: [AgeIdentity], output: @escaping (UnsafeRawBufferPointer) throws -> Void) {
        self.identities = identities
        self.output = output
    }

    /// Takes the next piece of the age file.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        if let failure { throw failure }
        do {
            var input = bytes
            if case .header = state { input = try consumeHeader(input) }
            if case .nonce = state { input = try consumeNonce(input) }
            switch state {
            case .payload(let opener): try opener.write(input)
            case .header, .nonce: break
            case .finished: preconditionFailure("AgeDecryptor.write after finish")
            }
        } catch {
            failure = error
            throw error
        }
    }

    /// Declares the end of the file: decrypts the last chunk, which must carry the final flag.
    public func finish() throws {
        if let failure { throw failure }
        do {
            switch state {
            case .header, .nonce:
                throw AgeError.truncatedHeader
            case .payload(let opener):
                try opener.finish()
                payloadBytes = opener.plaintextBytes
                state = .finished
            case .finished:
                preconditionFailure("AgeDecryptor.finish called twice")
            }
        } catch {
            failure = error
            throw error
        }
    }

    /// Decrypts a whole in-memory file; for small data and tests.
    public static func decrypt(_ ciphertext: [UInt8], identities: [AgeIdentity]) throws -> [UInt8] {
        var plaintext: [UInt8] = []
        let decryptor = AgeDecryptor(identities: identities) { plaintext.append(contentsOf: $0) }
        try ciphertext.withUnsafeBytes { try decryptor.write($0) }
        try decryptor.finish()
        return plaintext
    }

    // MARK: Header

    /// Appends header bytes line by line until the MAC line, then verifies the header and
    /// returns the input left after it.
    private func consumeHeader(_ input: UnsafeRawBufferPointer) throws(AgeError) -> UnsafeRawBufferPointer {
        var input = input
        while !input.isEmpty, let base = input.baseAddress {
            guard let newline = memchr(base, 0x0A, input.count) else {
                headerBytes.append(contentsOf: input)
                try checkHeaderPrefix()
                return UnsafeRawBufferPointer(start: nil, count: 0)
            }
            let lineLength = UnsafeRawPointer(newline) - base + 1
            headerBytes.append(contentsOf: UnsafeRawBufferPointer(start: base, count: lineLength))
            input = UnsafeRawBufferPointer(rebasing: input[lineLength...])
            try checkHeaderPrefix()
            let line = headerBytes[lineStart..<(headerBytes.count - 1)]
            // After the version line, the first line starting "---" ends the header: stanza
            // lines start "->" and body lines are base64, which has no "-".
            if lineStart > 0, line.starts(with: AgeFormat.macLinePrefix) {
                try openHeader()
                state = .nonce
                return input
            }
            lineStart = headerBytes.count
        }
        return input
    }

    /// Fails fast on input that is not age at all, instead of buffering it.
    private func checkHeaderPrefix() throws(AgeError) {
        let prefix = AgeFormat.versionPrefix
        let count = min(headerBytes.count, prefix.count)
        guard headerBytes.prefix(count).elementsEqual(prefix.prefix(count)) else { throw .notAnAgeFile }
        if lineStart == 0, let end = headerBytes.firstIndex(of: 0x0A), !headerBytes[..<end].elementsEqual(AgeFormat.versionLine) {
            let name = String(decoding: headerBytes[prefix.count..<end], as: UTF8.self)
            throw .unsupportedVersion(name)
        }
        guard headerBytes.count <= Self.maxHeaderSize else { throw .headerTooLong(limit: Self.maxHeaderSize) }
    }

    /// Parses the header, finds the file key with the identities, and verifies the MAC.
    private func openHeader() throws(AgeError) {
        let header = try AgeHeader.parse(headerBytes)
        if header.stanzas.contains(where: { $0.type == AgeScryptStanza.type }), header.stanzas.count > 1 {
            throw .scryptStanzaNotAlone
        }
        var found: [UInt8]?
        for identity in identities {
            found = try identity.unwrap(header.stanzas)
            if found != nil { break }
        }
        guard let fileKey = found else { throw .noIdentityMatched }
        do {
            guard try header.verifyMAC(fileKey: fileKey) else { throw AgeError.headerMACMismatch }
        } catch let error as CryptoError {
            throw .crypto(error)
        } catch let error as AgeError {
            throw error
        } catch {
            preconditionFailure("unexpected error \(error)")
        }
        self.fileKey = fileKey
        headerBytes = []
    }

    private func consumeNonce(_ input: UnsafeRawBufferPointer) throws(AgeError) -> UnsafeRawBufferPointer {
        let take = min(input.count, AgeFormat.payloadNonceSize - payloadNonce.count)
        payloadNonce.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[..<take]))
        guard payloadNonce.count == AgeFormat.payloadNonceSize else { return UnsafeRawBufferPointer(rebasing: input[take...]) }
        do {
            let key = try AgeFormat.payloadKey(fileKey: fileKey, nonce: payloadNonce)
            state = .payload(try AgePayloadOpener(payloadKey: key, output: output))
        } catch {
            throw .crypto(error)
        }
        OPENSSL_cleanse(&fileKey, fileKey.count)
        return UnsafeRawBufferPointer(rebasing: input[take...])
    }
}
