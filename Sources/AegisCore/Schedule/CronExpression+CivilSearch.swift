extension CronExpression {
    /// The first matching wall-clock minute at or after `start` and before `limit`, both in
    /// local seconds (civil time counted as if it were UTC), ignoring time zones entirely.
    ///
    /// Skips by fields, as cronie's and croniter's searches do: a month that does not match is
    /// left for the next matching month, an hour for the next matching hour; only days advance
    /// one at a time (at most 31 steps per matching month). `0 0 29 2 *` from March thus costs a
    /// few dozen steps per year, not half a million minutes. Callers bound `limit`, so an
    /// expression that never fires ends when the bound is reached.
    func firstMatchingMinute(atOrAfter start: Int64, before limit: Int64) -> Int64? {
        var days = floorDivide(start + 59, 86_400)
        var minuteOfDay = Int((start + 59 - days * 86_400) / 60)
        var (year, monthNumber, day) = UTCTimestamp.civilFromDays(days)

        func nextDay() {
            days += 1
            minuteOfDay = 0
            (year, monthNumber, day) = UTCTimestamp.civilFromDays(days)
        }

        while days * 86_400 + Int64(minuteOfDay) * 60 < limit {
            if !month.contains(monthNumber) {
                // First day of the next matching month, possibly next year.
                if let next = month.next(atOrAfter: monthNumber + 1) {
                    monthNumber = next
                } else {
                    year += 1
                    monthNumber = month.first
                }
                day = 1
                minuteOfDay = 0
                days = UTCTimestamp.daysFromCivil(year: year, month: monthNumber, day: 1)
                continue
            }
            let weekday = Int(floorModulo(days + 4, 7))  // 1970-01-01 was a Thursday
            guard matchesDay(day: day, weekday: weekday) else {
                nextDay()
                continue
            }
            let hourNow = minuteOfDay / 60
            guard let matchingHour = hour.next(atOrAfter: hourNow) else {
                nextDay()
                continue
            }
            if matchingHour != hourNow {
                minuteOfDay = matchingHour * 60
            }
            guard let matchingMinute = minute.next(atOrAfter: minuteOfDay % 60) else {
                // Past the last matching minute of this hour: try the next hour.
                minuteOfDay = (minuteOfDay / 60 + 1) * 60
                if minuteOfDay >= 24 * 60 { nextDay() }
                continue
            }
            let found = days * 86_400 + Int64(matchingHour * 3600 + matchingMinute * 60)
            return found < limit ? found : nil
        }
        return nil
    }
}

/// Division rounding towards minus infinity, for instants before 1970.
func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
    let quotient = value / divisor
    return (value % divisor != 0 && (value < 0) != (divisor < 0)) ? quotient - 1 : quotient
}

/// The remainder that goes with `floorDivide`: always in 0..<divisor for a positive divisor.
func floorModulo(_ value: Int64, _ divisor: Int64) -> Int64 {
    value - floorDivide(value, divisor) * divisor
}
