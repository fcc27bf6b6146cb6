/// Which backups to remove, decided from names, manifests and the clock alone.
///
/// The rules, in order of precedence:
/// 1. The newest complete backup and the newest verified backup are never removed.
/// 2. The newest `keepAtLeast` complete backups are kept, whatever their age.
/// 3. Complete backups younger than `retentionDays` are kept.
/// 4. Everything else goes: complete backups past retention, failed attempts' manifests older
///    than a day (kept that long so status can show why), files without a manifest older than
///    retention (an operator's copy is treated like a backup, by its name's time).
public struct BackupRetention: Sendable, Equatable {
    public var retentionDays: Int
    public var keepAtLeast: Int

    public init(retentionDays: Int, keepAtLeast: Int) {
        precondition(retentionDays >= 1 && keepAtLeast >= 1, "validated by ConfigValidator")
        self.retentionDays = retentionDays
        self.keepAtLeast = keepAtLeast
    }

    public init(_ settings: BackupSettings) {
        self.init(retentionDays: settings.retentionDays, keepAtLeast: settings.keepAtLeast)
    }

    /// One backup of one service as found on disk.
    public struct Entry: Sendable, Equatable {
        public var name: BackupName
        /// nil when the file has no readable manifest.
        public var status: BackupManifest.Status?
        public var verifiedAt: UTCTimestamp?

        public init(name: BackupName, status: BackupManifest.Status?, verifiedAt: UTCTimestamp? = nil) {
            self.name = name
            self.status = status
            self.verifiedAt = verifiedAt
        }
    }

    /// The entries to remove, oldest first. `entries` are one service's.
    public func expired(_ entries: [Entry], now: UTCTimestamp) -> [Entry] {
        let cutoff = now.adding(seconds: -Int64(retentionDays) * 86_400)
        let failedCutoff = now.adding(seconds: -86_400)
        let complete = entries.filter { $0.status == .complete }.sorted { $0.name > $1.name }
        var protected = Set(complete.prefix(keepAtLeast).map(\.name))
        if let newestVerified = complete.first(where: { $0.verifiedAt != nil }) {
            protected.insert(newestVerified.name)
        }
        return entries.sorted { $0.name < $1.name }.filter { entry in
            guard !protected.contains(entry.name) else { return false }
            switch entry.status {
            case .failed?: return entry.name.createdAt < failedCutoff
            case .complete?, nil: return entry.name.createdAt < cutoff
            }
        }
    }
}
