import AegisCore
import AegisSystem

/// Turns `[backup]` into the encryption of the next backup, failing closed: a missing or bad
/// key stops the backup with a reason that says what to configure, and never falls back to
/// writing plaintext.
enum BackupKeys {
    static func encryption(for settings: BackupSettings, layout: StateLayout) throws(BackupFailure) -> BackupEncryption {
        let recipients: [AgeRecipient]
        switch settings.encryptionMode {
        case .none?:
            return .none
        case nil:
            throw BackupFailure("backup.encryption = \"\(settings.encryption)\" is not x25519, passphrase or none")
        case .x25519?:
            guard !settings.recipients.isEmpty else {
                throw BackupFailure(
                    "no backup key: backup.recipients is empty, so nothing can be encrypted and no backup is written. "
                        + "Generate a key pair with `age-keygen -o backup.agekey` on a machine you trust, put its public "
                        + "key (age1…) in backup.recipients, and keep the identity off this host")
            }
            do {
                recipients = try settings.recipients.map { .x25519(try AgeX25519Recipient(parsing: $0)) }
            } catch {
                throw BackupFailure("backup.recipients: \(error)")
            }
        case .passphrase?:
            let passphrase: String
            do {
                passphrase = try PassphraseFile.read(BackupPassphrase.path(settings, layout: layout))
            } catch {
                throw BackupFailure("no backup key: \(error)")
            }
            recipients = [.passphrase(passphrase)]
        }
        return .encrypted { sink in try AgeEncryptor(recipients: recipients, sink: sink) }
    }
}
