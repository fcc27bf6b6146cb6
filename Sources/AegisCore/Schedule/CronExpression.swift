/// A standard 5-field cron expression (`minute hour day-of-month month day-of-week`) or one of
/// the `@daily`-style macros, read the way Vixie cron and cronie read it. One type serves the
/// backup schedule, restore drills and maintenance jobs.
///
/// Grammar, per field: a comma list of `*`, `*/n`, `a`, `a-b`, `a-b/n` and `a/n` (`a` through
/// the field's maximum, step `n`); months `JAN`-`DEC` and days `SUN`-`SAT` in any case; day of
/// week 0-7 with both 0 and 7 Sunday. Macros: `@yearly`/`@annually`, `@monthly`, `@weekly`,
/// `@daily`/`@midnight`, `@hourly`. `@reboot` is refused: a daemon's schedule has no reboot.
///
/// Day matching (cronie's rule): when both day-of-month and day-of-week are restricted — their
/// text does not begin with `*` — a day matches if *either* matches (`0 0 1,15 * MON` runs on
/// the 1st, the 15th and every Monday); otherwise both must match, so `0 0 */2 * MON` runs on
/// odd-numbered days that are Mondays.
///
/// Time zones and DST (cronie's semantics; `nextFire(after:in:)` implements them). The
/// expression is read in the wall-clock time of the zone it is given, and:
/// - A *fixed-time* job (neither minute nor hour begins with `*`: `30 2 * * *`, `0 1-23 * * *`)
///   fires once per matching wall-clock time. A time skipped by a spring-forward gap fires once
///   at the first instant after the gap (02:30 on the last Sunday of March in Europe/Berlin fires
///   at 03:00 CEST); several matching times in one gap, and a match right at the gap's end, are
///   one firing. A time that occurs twice in a fall-back overlap fires once, at its first
///   occurrence.
/// - An *interval* job (minute or hour begins with `*`: `*/15 * * * *`, `0 * * * *`, `@hourly`)
///   fires at every matching clock reading that actually occurs: skipped readings do not fire and
///   repeated ones fire again, so an hourly job keeps firing every real hour (01:00 CET, 03:00
///   CEST on the spring-forward day; 02:00 CEST, 02:00 CET, 03:00 CET on the fall-back day).
/// The invariant behind both: no matching wall-clock time of a fixed-time job is lost or run
/// twice, and an interval job keeps its rhythm in real time.
public struct CronExpression: Sendable, Hashable, CustomStringConvertible {
    public let minute: CronField
    public let hour: CronField
    public let dayOfMonth: CronField
    public let month: CronField
    public let dayOfWeek: CronField

    /// The macros and their meaning, as cronie defines them.
    public static let macros: [(name: String, expansion: String)] = [
        ("@yearly", "0 0 1 1 *"), ("@annually", "0 0 1 1 *"), ("@monthly", "0 0 1 * *"),
        ("@weekly", "0 0 * * 0"), ("@daily", "0 0 * * *"), ("@midnight", "0 0 * * *"),
        ("@hourly", "0 * * * *"),
    ]

    /// Parses an expression; leading, trailing and repeated blanks are ignored.
    public init(_ text: String) throws(CronParseError) {
        let trimmed = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
        if trimmed.hasPrefix("@") {
            let name = trimmed.lowercased()
            if name == "@reboot" {
                throw CronParseError(
                    field: nil, text: trimmed,
                    reason: "@reboot is not supported: aegisd's schedule has no reboot to run at; use a time such as @daily")
            }
            guard let macro = Self.macros.first(where: { $0.name == name }) else {
                throw CronParseError(
                    field: nil, text: trimmed,
                    reason: "\(trimmed) is not a known macro (" + Self.macros.map(\.name).joined(separator: ", ") + ")")
            }
            try self.init(macro.expansion)
            return
        }
        let fields = trimmed.split(separator: " ").map(String.init)
        guard fields.count == 5 else {
            let found = fields.isEmpty ? "an empty expression" : "\(fields.count) field\(fields.count == 1 ? "" : "s") in \"\(trimmed)\""
            throw CronParseError(
                field: nil, text: trimmed,
                reason: "expected 5 fields (minute hour day-of-month month day-of-week) or a macro such as @daily, found \(found)")
        }
        self.init(
            minute: try CronField(parsing: fields[0], as: .minute),
            hour: try CronField(parsing: fields[1], as: .hour),
            dayOfMonth: try CronField(parsing: fields[2], as: .dayOfMonth),
            month: try CronField(parsing: fields[3], as: .month),
            dayOfWeek: try CronField(parsing: fields[4], as: .dayOfWeek))
    }

    private init(minute: CronField, hour: CronField, dayOfMonth: CronField, month: CronField, dayOfWeek: CronField) {
        self.minute = minute
        self.hour = hour
        self.dayOfMonth = dayOfMonth
        self.month = month
        self.dayOfWeek = dayOfWeek
    }

    /// The five normalized fields (`@daily` reads back as `0 0 * * *`); parsing it gives back an
    /// equal expression.
    public var description: String {
        [minute, hour, dayOfMonth, month, dayOfWeek].map(\.description).joined(separator: " ")
    }

    /// Both day fields are restricted, so a day matches when either does (cronie's rule).
    public var daysAreOred: Bool {
        !dayOfMonth.isStar && !dayOfWeek.isStar
    }

    /// Minute or hour begins with `*`: the job follows real time across DST changes instead of
    /// wall-clock times (see the type's documentation).
    public var isIntervalJob: Bool {
        minute.isStar || hour.isStar
    }

    /// No date ever matches, as in `0 0 31 2 *` or `0 0 30 2 *`. Decided from the fields alone:
    /// with the days ORed every month has every weekday; otherwise a month/day pair that exists
    /// (February 29 included) falls on every weekday within the 400-year Gregorian cycle.
    public var neverFires: Bool {
        if daysAreOred { return false }
        let longest = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return !month.values.contains { monthNumber in
            dayOfMonth.values.contains { $0 <= longest[monthNumber - 1] }
        }
    }

    /// Whether the civil date matches the day fields; `weekday` is 0 for Sunday.
    func matchesDay(day: Int, weekday: Int) -> Bool {
        let byDay = dayOfMonth.contains(day)
        let byWeekday = dayOfWeek.contains(weekday)
        return daysAreOred ? (byDay || byWeekday) : (byDay && byWeekday)
    }
}
