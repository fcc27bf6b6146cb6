/// A point in time to restore to, as the operator writes it: `2026-12-01 10:42:00+00`
/// (PostgreSQL's `recovery_target_time` syntax). The offset is required: a time without one
/// would be read in whatever zone the server has, and a restore must not depend on that.
public struct RecoveryTime: Sendable, Equatable, CustomStringConvertible {
    /// Seconds since the epoch (fractions dropped: the window is in whole seconds).
    public let secondsSinceEpoch: Int64
    /// The text handed to pgBackRest's `--target`, normalized to UTC.
    public var target: String {
        let c = UTCTimestamp(secondsSinceEpoch: secondsSinceEpoch).components
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(c.year)-\(two(c.month))-\(two(c.day)) \(two(c.hour)):\(two(c.minute)):\(two(c.second))+00"
    }
    public var description: String { target }

    public init(secondsSinceEpoch: Int64) {
        self.secondsSinceEpoch = secondsSinceEpoch
    }

    /// Parses `YYYY-MM-DD[ T]HH:MM[:SS[.fff]]` followed by `Z`, `UTC`, or an offset `±HH[:MM]`.
    public init(parsing text: String) throws(RecoveryTimeError) {
        let trimmed = String(text.drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
        let bad = RecoveryTimeError(
            "\"\(text)\" is not a time with its offset, like \"2026-12-01 10:42:00+00\" (date, time, and Z or ±HH[:MM])")
        let chars = Array(trimmed)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= chars.count, range.allSatisfy({ chars[$0].isDigitASCII }) else { return nil }
            return Int(String(chars[range]))
        }
        guard chars.count >= 16, chars[4] == "-", chars[7] == "-", chars[10] == " " || chars[10] == "T", chars[13] == ":",
              let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16)
        else { throw bad }
        var index = 16
        var second = 0
        if index < chars.count, chars[index] == ":" {
            guard let value = number(index + 1..<index + 3) else { throw bad }
            second = value
            index += 3
            if index < chars.count, chars[index] == "." {
                index += 1
                while index < chars.count, chars[index].isDigitASCII { index += 1 }
            }
        }
        let zone = String(chars[index...].drop(while: { $0 == " " }))
        var offset = 0
        if zone == "Z" || zone == "UTC" || zone == "z" {
            offset = 0
        } else if let sign = zone.first, sign == "+" || sign == "-" {
            let digits = zone.dropFirst().filter { $0 != ":" }
            guard (digits.count == 2 || digits.count == 4), digits.allSatisfy({ $0.isDigitASCII }),
                  let hours = Int(digits.prefix(2)), let minutes = Int(digits.dropFirst(2).isEmpty ? "0" : String(digits.dropFirst(2))),
                  hours <= 15, minutes < 60
            else { throw bad }
            offset = (hours * 3600 + minutes * 60) * (sign == "-" ? -1 : 1)
        } else {
            throw RecoveryTimeError(
                "\"\(text)\" has no offset: write the zone explicitly, e.g. \"\(String(chars[0..<min(index, chars.count)]))+00\"")
        }
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 60,
              day <= Self.daysIn(month: month, year: year)
        else { throw RecoveryTimeError("\"\(text)\" is not a valid date and time") }
        secondsSinceEpoch = UTCTimestamp(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
            .secondsSinceEpoch - Int64(offset)
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

/// A restore time that cannot be used, with what to write instead.
public struct RecoveryTimeError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension Character {
    /// 0–9 only (not other scripts' digits).
    fileprivate var isDigitASCII: Bool { ("0"..."9").contains(self) }
}
