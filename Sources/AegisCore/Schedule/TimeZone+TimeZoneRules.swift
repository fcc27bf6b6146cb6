// Full Foundation, not only FoundationEssentials: on Linux, named zones such as Europe/Berlin are
// served by FoundationInternationalization's ICU data; with Essentials alone only fixed offsets
// resolve. Reading a zone's rules is data, not I/O (the host's /etc/localtime is the daemon's to
// read, when the configuration says "local").
import Foundation

/// Foundation's `TimeZone` answers the scheduler's questions from the tz database it carries.
/// `nextDaylightSavingTimeTransition(after:)` reports changes of standard time too (Samoa's
/// skipped 30 December 2011, Moscow's 2014 change), which is what `TimeZoneRules` asks for.
extension TimeZone: TimeZoneRules {
    public func utcOffset(at instant: UTCTimestamp) -> Int {
        secondsFromGMT(for: instant.date)
    }

    public func nextTransition(after instant: UTCTimestamp) -> UTCTimestamp? {
        nextDaylightSavingTimeTransition(after: instant.date).map(UTCTimestamp.init(flooring:))
    }
}
