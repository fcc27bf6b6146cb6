/// The decryptor is a stage of a restore stream: ciphertext in through `write`.
extension AgeDecryptor: ByteSink {
    /// Writes plaintext into another stage.
    public convenience init(identities: [AgeIdentity], sink: any ByteSink) {
        self.init(identities: identities) { try sink.write($0) }
    }
}
