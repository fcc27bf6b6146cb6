/// The `-> X25519 <ephemeral share>` stanza: the file key sealed under a key agreed between a
/// fresh ephemeral secret and the recipient's public key.
enum AgeX25519Stanza {
    static let type = "X25519"
    private static let info = Array("age-encryption.org/v1/X25519".utf8)

    static func wrap(fileKey: [UInt8], to recipient: AgeX25519Recipient) throws(AgeError) -> AgeStanza {
        do {
            // A new ephemeral secret per stanza and per file, as the spec requires.
            let ephemeral = try X25519.generatePrivateKey()
            let share = try X25519.publicKey(privateKey: ephemeral)
            guard let shared = try X25519.sharedSecret(privateKey: ephemeral, peerPublicKey: recipient.publicKey) else {
                throw AgeError.lowOrderX25519Key
            }
            let wrapKey = try HKDFSHA256.derive(key: shared, salt: share + recipient.publicKey, info: info)
            let body = try ChaCha20Poly1305.sealOnce(fileKey, key: wrapKey)
            return AgeStanza(arguments: [type, AgeBase64.encode(share)], body: body)
        } catch let error as AgeError {
            throw error
        } catch let error as CryptoError {
            throw .crypto(error)
        } catch {
            preconditionFailure("unexpected error \(error)")
        }
    }

    /// The file key, or nil when the stanza is addressed to someone else.
    static func unwrap(_ stanza: AgeStanza, with identity: AgeX25519Identity) throws(AgeError) -> [UInt8]? {
        guard stanza.arguments.count == 2 else { throw .malformedHeader("an X25519 stanza needs exactly one argument") }
        guard let share = AgeBase64.decode(Substring(stanza.arguments[1])), share.count == X25519.keySize else {
            throw .malformedHeader("an X25519 stanza's share is not canonical base64 of 32 bytes")
        }
        // Checked before decrypting, as the spec asks, so bodies of other lengths cannot be
        // used as a partitioning oracle.
        guard stanza.body.count == AgeFormat.fileKeySize + AgeFormat.tagSize else {
            throw .malformedHeader("an X25519 stanza's body is not 32 bytes")
        }
        do {
            guard let shared = try X25519.sharedSecret(privateKey: identity.secretKey, peerPublicKey: share) else {
                throw AgeError.lowOrderX25519Key
            }
            let wrapKey = try HKDFSHA256.derive(key: shared, salt: share + identity.recipient.publicKey, info: info)
            return try ChaCha20Poly1305.openOnce(stanza.body, key: wrapKey)
        } catch let error as AgeError {
            throw error
        } catch let error as CryptoError {
            throw .crypto(error)
        } catch {
            preconditionFailure("unexpected error \(error)")
        }
    }
}
