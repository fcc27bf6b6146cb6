/// The encryptor is a stage of a backup stream: plaintext in through `write`, the final chunk
/// on `finish`.
extension AgeEncryptor: StreamEncryptor {
    /// Writes ciphertext into another stage.
    public convenience init(recipients: [AgeRecipient], sink: any ByteSink) throws(AgeError) {
        try self.init(recipients: recipients) { try sink.write($0) }
    }
}
