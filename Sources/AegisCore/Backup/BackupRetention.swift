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
        plan(entries, now: now).filter(\.remove).map(\.entry)
    }

    /// What retention does with one entry, and why.
    public struct Verdict: Sendable, Equatable {
        public var entry: Entry
        public var remove: Bool
        public var reason: String
    }

    /// Every entry, oldest first, with what retention does with it and the rule that decides:
    /// `expired` is exactly the entries this removes, so `prune --dry-run` cannot disagree
    /// with what really happens.
    public func plan(_ entries: [Entry], now: UTCTimestamp) -> [Verdict] {
        let cutoff = now.adding(seconds: -Int64(retentionDays) * 86_400)
        let failedCutoff = now.adding(seconds: -86_400)
        let complete = entries.filter { $0.status == .complete }.sorted { $0.name > $1.name }
        let newestComplete = complete.first?.name
        let newestFew = Set(complete.prefix(keepAtLeast).map(\.name))
        let newestVerified = complete.first(where: { $0.verifiedAt != nil })?.name
        let days = retentionDays == 1 ? "1 day" : "\(retentionDays) days"
        return entries.sorted { $0.name < $1.name }.map { entry in
            func keep(_ reason: String) -> Verdict { Verdict(entry: entry, remove: false, reason: reason) }
            func remove(_ reason: String) -> Verdict { Verdict(entry: entry, remove: true, reason: reason) }
            if entry.name == newestComplete { return keep("the newest complete backup") }
            if newestFew.contains(entry.name) { return keep("one of the newest \(keepAtLeast) complete backups (keep_at_least)") }
            if entry.name == newestVerified { return keep("the newest backup a restore drill verified") }
            switch entry.status {
            case .failed?:
                return entry.name.createdAt < failedCutoff
                    ? remove("a failed attempt older than a day")
                    : keep("a failed attempt younger than a day (status shows why it failed)")
            case .complete?:
                return entry.name.createdAt < cutoff
                    ? remove("older than \(days) (retention_days) and not among the newest \(keepAtLeast)")
                    : keep("younger than \(days) (retention_days)")
            case nil:
                return entry.name.createdAt < cutoff
                    ? remove("a file without a manifest, older than \(days) (retention_days)")
                    : keep("a file without a manifest, younger than \(days) (retention_days)")
            }
        }
    }
}
