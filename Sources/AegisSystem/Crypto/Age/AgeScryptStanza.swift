/// The `-> scrypt <salt> <logN>` stanza: the file key sealed under a key stretched from a
/// passphrase.
enum AgeScryptStanza {
    static let type = "scrypt"
    private static let saltLabel = Array("age-encryption.org/v1/scrypt".utf8)
    private static let saltSize = 16

    static func wrap(fileKey: [UInt8], passphrase: String, workFactor: Int) throws(AgeError) -> AgeStanza {
        guard Scrypt.workFactorRange.contains(workFactor) else { throw .invalidWorkFactor(workFactor) }
        do {
            let salt = try SecureRandom.bytes(saltSize)
            let wrapKey = try Scrypt.derive(password: Array(passphrase.utf8), salt: saltLabel + salt, logN: workFactor)
            let body = try ChaCha20Poly1305.sealOnce(fileKey, key: wrapKey)
            return AgeStanza(arguments: [type, AgeBase64.encode(salt), String(workFactor)], body: body)
        } catch {
            throw .crypto(error)
        }
    }

    /// The file key, or nil when the passphrase is not the one that sealed it.
    static func unwrap(_ stanza: AgeStanza, passphrase: String, maxWorkFactor: Int) throws(AgeError) -> [UInt8]? {
        guard stanza.arguments.count == 3 else { throw .malformedHeader("an scrypt stanza needs exactly two arguments") }
        guard let salt = AgeBase64.decode(Substring(stanza.arguments[1])), salt.count == saltSize else {
            throw .malformedHeader("an scrypt stanza's salt is not canonical base64 of 16 bytes")
        }
        let logN = try parseWorkFactor(stanza.arguments[2])
        guard logN <= maxWorkFactor, Scrypt.workFactorRange.contains(logN) else {
            throw .workFactorTooHigh(found: logN, limit: min(maxWorkFactor, Scrypt.workFactorRange.upperBound))
        }
        guard stanza.body.count == AgeFormat.fileKeySize + AgeFormat.tagSize else {
            throw .malformedHeader("an scrypt stanza's body is not 32 bytes")
        }
        do {
            let wrapKey = try Scrypt.derive(password: Array(passphrase.utf8), salt: saltLabel + salt, logN: logN)
            return try ChaCha20Poly1305.openOnce(stanza.body, key: wrapKey)
        } catch {
            throw .crypto(error)
        }
    }

    /// Decimal without sign or leading zero (`^[1-9][0-9]*$`), as the spec requires; the
    /// length cap keeps absurd values from overflowing before the limit check rejects them.
    private static func parseWorkFactor(_ text: String) throws(AgeError) -> Int {
        let digits = Array(text.utf8)
        guard let first = digits.first, (UInt8(ascii: "1")...UInt8(ascii: "9")).contains(first),
              digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
        else { throw .malformedHeader("an scrypt stanza's work factor is not a decimal number without leading zeros") }
        guard digits.count <= 3, let value = Int(text) else { return Int.max }
        return value
    }
}
