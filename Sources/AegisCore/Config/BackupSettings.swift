/// `[backup]`: encrypted backups of every database and of Redis, on a cron schedule.
public struct BackupSettings: Sendable, Equatable {
    /// How backup files are encrypted (`encryption`). There is deliberately no default that
    /// writes plaintext: `none` must be chosen explicitly.
    public enum Encryption: String, Sendable, Equatable, CaseIterable {
        /// age X25519 recipients: the host holds only public keys and cannot read its backups.
        case x25519
        /// age scrypt with the passphrase in `passphrase_file` (what the docker-compose deployment called BACKUP_ENCRYPTION_KEY).
        case passphrase
        /// Plain gzip. Only when the operator writes it.
        case none
    }

    public var enabled: Bool = true
    /// Standard 5-field cron expression (`schedule`); daily at 02:00 UTC by default.
    public var schedule: String = "0 2 * * *"
    /// Restore drills: restore the newest backup into a scratch database and compare row counts.
    public var verifySchedule: String = "30 4 * * 0"
    /// IANA time zone the schedules are read in, or "local" for the host's (`time_zone`).
    public var timeZone: String = "UTC"
    public var encryption: String = Encryption.x25519.rawValue
    /// age recipients (`age1…`) for `x25519`.
    public var recipients: [String] = []
    /// File holding the passphrase for `passphrase`; empty means `<state_dir>/secrets/backup.passphrase`.
    public var passphraseFile: String = ""
    /// Backups older than this many days are removed (`retention_days`), 30 by default.
    public var retentionDays: Int = 30
    /// …but never fewer than this many successful backups per service are kept.
    public var keepAtLeast: Int = 3
    /// gzip level 1–9 (`compression_level`).
    public var compressionLevel: Int = 6
    /// Where backups go; empty means `<state_dir>/backups` (`directory`).
    public var directory: String = ""
    /// How long a backup waits for a table lock held by someone else before it fails, rather
    /// than hanging behind a long migration (`lock_wait_timeout_s`).
    public var lockWaitTimeoutS: Int = 300
    /// A backup that would leave less than this percentage of its filesystem free is refused
    /// (estimated from the last backup); 0 turns the check off (`min_free_percent`).
    public var minFreePercent: Int = 10

    public init() {}

    /// The chosen encryption, or nil when `encryption` names none (a validation issue).
    public var encryptionMode: Encryption? { Encryption(rawValue: encryption) }
}
