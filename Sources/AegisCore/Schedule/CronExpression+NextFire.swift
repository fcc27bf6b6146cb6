extension CronExpression {
    /// The first instant strictly after `instant` at which the job fires in `zone`, with the DST
    /// semantics documented on `CronExpression`; nil when it never fires (`0 0 31 2 *`).
    ///
    /// The timeline is walked as segments of constant UTC offset, split at the zone's
    /// transitions. Inside a segment wall-clock time runs in step with real time, so the first
    /// matching minute is a plain civil search. At a segment's start, the transition decides:
    /// after a spring-forward gap a fixed-time job whose time fell in the gap fires right there;
    /// after a fall-back a fixed-time job ignores the wall-clock times the previous segment
    /// already showed. The walk starts two days before `instant` so that the segment holding it
    /// knows its predecessor (real zones never move by more than a day at once).
    public func nextFire(after instant: UTCTimestamp, in zone: some TimeZoneRules) -> UTCTimestamp? {
        guard !neverFires else { return nil }
        let after = instant.secondsSinceEpoch
        // The Gregorian calendar repeats every 400 years, weekdays included, so a match that
        // exists turns up within that span; only an interval job whose every match falls in a
        // DST gap could search that far.
        let horizon = after + Self.gregorianCycle
        var segmentStart = after - 2 * 86_400
        var offset = Int64(zone.utcOffset(at: UTCTimestamp(secondsSinceEpoch: segmentStart)))
        var previousOffset: Int64?

        while segmentStart <= horizon {
            let segmentEnd = zone.nextTransition(after: UTCTimestamp(secondsSinceEpoch: segmentStart))
                .map { max($0.secondsSinceEpoch, segmentStart + 1) }
            if let previousOffset, !isIntervalJob, segmentStart > after {
                if previousOffset < offset,
                   firstMatchingMinute(atOrAfter: segmentStart + previousOffset, before: segmentStart + offset) != nil {
                    return UTCTimestamp(secondsSinceEpoch: segmentStart)
                }
            }
            var lower = max(segmentStart, after + 1) + offset
            if let previousOffset, previousOffset > offset, !isIntervalJob {
                // The repeated wall-clock times already fired in the previous segment.
                lower = max(lower, segmentStart + previousOffset)
            }
            let upper = (segmentEnd ?? horizon) + offset
            if lower < upper, let local = firstMatchingMinute(atOrAfter: lower, before: upper) {
                return UTCTimestamp(secondsSinceEpoch: local - offset)
            }
            guard let segmentEnd else { return nil }
            previousOffset = offset
            offset = Int64(zone.utcOffset(at: UTCTimestamp(secondsSinceEpoch: segmentEnd)))
            segmentStart = segmentEnd
        }
        return nil
    }

    /// The fire times after `instant`, in order, for as long as the caller keeps asking.
    public func fireTimes<Zone: TimeZoneRules>(after instant: UTCTimestamp, in zone: Zone) -> CronFireTimes<Zone> {
        CronFireTimes(expression: self, zone: zone, last: instant)
    }

    /// The most recent fire time in `(lower, upper]`, or nil when there is none. Looks back from
    /// `upper` in doubling windows using `nextFire`, so that it honours the same DST semantics
    /// and never walks the whole span for a job that fires every minute.
    public func latestFire(after lower: UTCTimestamp, atOrBefore upper: UTCTimestamp, in zone: some TimeZoneRules) -> UTCTimestamp? {
        guard lower < upper else { return nil }
        var window: Int64 = 60
        while true {
            let (start, overflow) = upper.secondsSinceEpoch.subtractingReportingOverflow(window)
            let from = overflow ? lower.secondsSinceEpoch : max(lower.secondsSinceEpoch, start)
            if var found = nextFire(after: UTCTimestamp(secondsSinceEpoch: from), in: zone), found <= upper {
                while let later = nextFire(after: found, in: zone), later <= upper {
                    found = later
                }
                return found
            }
            if from == lower.secondsSinceEpoch { return nil }
            window *= 2
        }
    }

    /// 146 097 days, after which the Gregorian calendar repeats.
    static let gregorianCycle: Int64 = 146_097 * 86_400
}

/// The fire times of one expression in one zone, lazily; see `CronExpression.fireTimes`.
public struct CronFireTimes<Zone: TimeZoneRules>: Sequence, IteratorProtocol, Sendable {
    let expression: CronExpression
    let zone: Zone
    var last: UTCTimestamp

    public mutating func next() -> UTCTimestamp? {
        guard let fire = expression.nextFire(after: last, in: zone) else { return nil }
        last = fire
        return fire
    }
}
