extension CronField {
    /// Parses one field: a comma list of `*`, `*/n`, `a`, `a-b`, `a-b/n` and `a/n` (a through the
    /// field's maximum, as cronie reads it), where `a` and `b` are numbers or, for months and
    /// days of the week, three-letter names in any case.
    ///
    /// Day-of-week accepts 0-7 with 7 as Sunday; a range that ends on Sunday written as 0 or
    /// `SUN` (`FRI-SUN`, `5-0`) means up to 7, because that is what a person writing it means.
    public init(parsing text: String, as kind: Kind) throws(CronParseError) {
        func fail(_ text: String, _ reason: String) -> CronParseError {
            CronParseError(field: kind, text: text, reason: reason)
        }
        guard !text.isEmpty else { throw fail(text, "is empty") }
        var values: [Int] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            guard !item.isEmpty else { throw fail(text, "empty item in the list \"\(text)\"") }
            values += try Self.parseItem(item, kind: kind, fail: fail)
        }
        self.init(
            kind: kind, values: values.map { kind == .dayOfWeek && $0 == 7 ? 0 : $0 },
            isStar: text.hasPrefix("*"))
    }

    /// The values of one list item, in the text's numbering (day-of-week 7 not yet folded).
    private static func parseItem(
        _ item: String, kind: Kind, fail: (String, String) -> CronParseError
    ) throws(CronParseError) -> [Int] {
        let parts = item.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        let base = String(parts[0])
        var step = 1
        if parts.count == 2 {
            let stepText = String(parts[1])
            guard !stepText.isEmpty else { throw fail(item, "\"\(item)\" has no step after \"/\"") }
            guard isDigits(stepText) else {
                throw fail(item, "the step \"\(stepText)\" in \"\(item)\" is not a number")
            }
            // Any step longer than the field acts alike (only the start matches); capping it
            // keeps a 30-digit step from overflowing.
            let parsed = Int(stepText) ?? Int.max
            guard parsed >= 1 else { throw fail(item, "the step in \"\(item)\" must be at least 1") }
            step = min(parsed, 64)
        }

        let bounds = kind.textBounds
        let range: ClosedRange<Int>
        if base == "*" {
            range = bounds
        } else if base.hasPrefix("*") {
            throw fail(item, "\"\(item)\" is not valid: \"*\" takes only a step, as in \"*/5\"")
        } else {
            let ends = base.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            let low = try value(ends[0], item: item, kind: kind, fail: fail)
            if ends.count == 2 {
                var high = try value(ends[1], item: item, kind: kind, fail: fail)
                if kind == .dayOfWeek, high == 0, low > 0 { high = 7 }
                guard low <= high else {
                    throw fail(item, "the range \(base) is backwards: its start must not be greater than its end")
                }
                range = low...high
            } else {
                // `a/n` runs to the field's maximum; a plain `a` is just itself.
                range = parts.count == 2 ? low...bounds.upperBound : low...low
            }
        }
        return Array(stride(from: range.lowerBound, through: range.upperBound, by: step))
    }

    /// A number or name inside the field's text bounds.
    private static func value(
        _ text: String, item: String, kind: Kind, fail: (String, String) -> CronParseError
    ) throws(CronParseError) -> Int {
        guard !text.isEmpty else { throw fail(item, "\"\(item)\" is missing a number") }
        let bounds = kind.textBounds
        if isDigits(text) {
            // Too many digits for an Int is out of range all the same.
            guard let value = Int(text), bounds.contains(value) else {
                throw fail(text, "\(text) is out of range \(bounds.lowerBound)-\(bounds.upperBound)")
            }
            return value
        }
        if let names = kind.names, let index = names.list.firstIndex(of: text.lowercased()) {
            return index + names.offset
        }
        switch kind {
        case .month: throw fail(text, "\"\(text)\" is not a number or a month name (JAN-DEC)")
        case .dayOfWeek: throw fail(text, "\"\(text)\" is not a number or a day name (SUN-SAT)")
        default: throw fail(text, "\"\(text)\" is not a number")
        }
    }

    /// Plain ASCII decimal digits (Swift's `Int(_:)` would also take a sign).
    private static func isDigits(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }
}
