/// The certificate statuses last read, kept for as long as nothing they say can have changed:
/// the files they were read from are as they were, and no certificate has since crossed its
/// not-before, its not-after or a whole day of `daysLeft`. Reading them parses every
/// certificate and key and verifies every chain, which was the largest part of an idle
/// aegisd's CPU when `/metrics` did it every 15 seconds; comparing the files' stamps is one
/// `stat` a file.
///
/// `Stamp` is what tells one version of a file from the next (the daemon's `FileStamp`:
/// device, inode, size, mode, owner and times); generic so that this is tested without files.
public struct CertificateStatusCache<Stamp: Equatable & Sendable>: Sendable {
    /// The longest statuses are kept with unchanged files: a status can also depend on what no
    /// stamp or date of its own shows (an intermediate certificate of an operator's chain
    /// expiring before the leaf), which an hour bounds.
    public static var maximumAgeSeconds: Int64 { 3600 }

    private var kept: (stamps: [Stamp?], statuses: [CertificateStatus], until: UTCTimestamp)?

    public init() {}

    /// The kept statuses when `stamps` (of every file a reading looks at, in a fixed order;
    /// nil for a file that is not there) equal those of the kept reading and `now` is before
    /// its first change of dates; else a new reading from `read`, kept with `stamps`, which
    /// must therefore be taken before `read` runs (a file replaced during the reading is then
    /// read again next time).
    public mutating func statuses(stamps: [Stamp?], now: UTCTimestamp, read: () -> [CertificateStatus]) -> [CertificateStatus] {
        if let kept, kept.stamps == stamps, now < kept.until { return kept.statuses }
        let statuses = read()
        kept = (stamps, statuses, Self.stableUntil(statuses, now: now))
        return statuses
    }

    /// Drops the kept reading (the configuration changed what is read).
    public mutating func forget() {
        kept = nil
    }

    /// The first instant at which a reading made at `now` may say something else with the
    /// same files.
    static func stableUntil(_ statuses: [CertificateStatus], now: UTCTimestamp) -> UTCTimestamp {
        let dated = statuses.compactMap { $0.info?.nextChange(after: now) }
        let ceiling = UTCTimestamp(secondsSinceEpoch: now.secondsSinceEpoch + maximumAgeSeconds)
        return min(dated.min() ?? ceiling, ceiling)
    }
}
