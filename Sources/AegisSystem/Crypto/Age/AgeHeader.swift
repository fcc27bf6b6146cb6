import CLibCrypto

/// The textual header of an age file: the version line, the recipient stanzas and the MAC that
/// binds them to the file key.
struct AgeHeader {
    var stanzas: [AgeStanza]
    /// HMAC-SHA-256 over `authenticatedBytes`, keyed from the file key.
    var mac: [UInt8]
    /// The header from its first byte through the `---` of the MAC line (not the space after
    /// it): exactly what the MAC covers.
    var authenticatedBytes: [UInt8]

    /// Builds the header for `stanzas`, computing the MAC with `fileKey`.
    init(stanzas: [AgeStanza], fileKey: [UInt8]) throws(CryptoError) {
        var text = AgeFormat.versionLine + [0x0A]
        for stanza in stanzas { text += stanza.serialized() }
        text += AgeFormat.macLinePrefix
        self.stanzas = stanzas
        authenticatedBytes = text
        mac = try HMACSHA256.authenticate(text, key: AgeFormat.headerMACKey(fileKey: fileKey))
    }

    init(stanzas: [AgeStanza], mac: [UInt8], authenticatedBytes: [UInt8]) {
        self.stanzas = stanzas
        self.mac = mac
        self.authenticatedBytes = authenticatedBytes
    }

    /// The header as written to the file, ending with the MAC line's newline.
    func serialized() -> [UInt8] {
        authenticatedBytes + Array(" \(AgeBase64.encode(mac))\n".utf8)
    }

    /// Whether `fileKey` produced this header's MAC, compared in constant time so a forger
    /// learns nothing from timing.
    func verifyMAC(fileKey: [UInt8]) throws(CryptoError) -> Bool {
        let expected = try HMACSHA256.authenticate(authenticatedBytes, key: AgeFormat.headerMACKey(fileKey: fileKey))
        guard expected.count == mac.count else { return false }
        return CRYPTO_memcmp(expected, mac, mac.count) == 0
    }
}
