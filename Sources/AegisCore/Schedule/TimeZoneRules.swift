/// The two facts about a time zone that the scheduler needs: the UTC offset at an instant, and
/// the next instant at which the offset changes.
///
/// Why a protocol of two questions rather than Foundation's `Calendar`: the wall-clock
/// arithmetic (which minute matches, where a gap or an overlap lies, which occurrence fires) is
/// done here on plain civil dates, so its DST semantics are ours and the same on every platform;
/// `Calendar.nextDate(matching:)` has its own gap/overlap policies that differ between Darwin
/// and Linux. The rules themselves are data: `TimeZone` answers from the tz database it carries
/// (see `TimeZone+TimeZoneRules.swift`), and a test can supply a made-up zone.
public protocol TimeZoneRules: Sendable {
    /// The IANA name (`Europe/Berlin`), for messages and equality of jobs.
    var identifier: String { get }
    /// Seconds east of UTC in effect at `instant`.
    func utcOffset(at instant: UTCTimestamp) -> Int
    /// The first instant after `instant` from which a different offset may be in effect (a DST
    /// change or a change of standard time), or nil when the zone has no more changes. Reporting
    /// an instant where the offset turns out not to change is harmless.
    func nextTransition(after instant: UTCTimestamp) -> UTCTimestamp?
}
