/// One of the five fields of a cron expression: the set of values it matches, and whether its
/// text began with `*`.
///
/// The star flag is kept because cron's meaning depends on it, not only on the set: Vixie cron
/// and cronie OR the two day fields only when neither begins with `*`, and treat a job whose
/// minute or hour begins with `*` as an interval job across DST changes (see `CronExpression`).
/// So `*/1` and `0-59` match the same minutes but are different fields.
public struct CronField: Sendable, Hashable, CustomStringConvertible {
    /// Which field, with its bounds and names.
    public enum Kind: String, Sendable, CaseIterable {
        case minute
        case hour
        case dayOfMonth = "day-of-month"
        case month
        case dayOfWeek = "day-of-week"

        /// The values a field may hold once parsed (day-of-week folds 7 into 0, Sunday).
        public var bounds: ClosedRange<Int> {
            switch self {
            case .minute: 0...59
            case .hour: 0...23
            case .dayOfMonth: 1...31
            case .month: 1...12
            case .dayOfWeek: 0...6
            }
        }

        /// The values the text may name: day-of-week also accepts 7 for Sunday, as cron does.
        var textBounds: ClosedRange<Int> {
            self == .dayOfWeek ? 0...7 : bounds
        }

        /// Three-letter names, index = value - `names.offset`.
        var names: (list: [String], offset: Int)? {
            switch self {
            case .month: (["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)
            case .dayOfWeek: (["sun", "mon", "tue", "wed", "thu", "fri", "sat"], 0)
            default: nil
            }
        }
    }

    public let kind: Kind
    /// Bit `v` is set when value `v` matches.
    let bits: UInt64
    /// The field's text began with `*` (cronie's `*_STAR` flags).
    public let isStar: Bool

    /// `values` must be non-empty and inside `kind.bounds`; the parser guarantees both.
    init(kind: Kind, values: some Sequence<Int>, isStar: Bool) {
        var bits: UInt64 = 0
        for value in values {
            precondition(kind.bounds.contains(value), "\(value) outside \(kind)")
            bits |= 1 << UInt64(value)
        }
        precondition(bits != 0, "empty \(kind) field")
        self.kind = kind
        self.bits = bits
        self.isStar = isStar
    }

    /// The matching values, ascending.
    public var values: [Int] {
        kind.bounds.filter(contains)
    }

    /// Every value of the field matches.
    public var isFull: Bool {
        values.count == kind.bounds.count
    }

    public func contains(_ value: Int) -> Bool {
        value >= 0 && value < 64 && bits & (1 << UInt64(value)) != 0
    }

    /// The smallest matching value that is at least `value`, or nil when there is none.
    func next(atOrAfter value: Int) -> Int? {
        guard value < 64 else { return nil }
        let remaining = bits & ~((1 << UInt64(max(value, 0))) &- 1)
        return remaining == 0 ? nil : remaining.trailingZeroBitCount
    }

    /// The smallest matching value.
    var first: Int { bits.trailingZeroBitCount }

    /// The normalized text: numbers only, a leading `*` or `*/n` kept for star fields, runs of
    /// three or more as `a-b`, one arithmetic progression as `a-b/n`. Parsing it gives back an
    /// equal field, so it is what `config check` and `status` show.
    public var description: String {
        var rest = values
        var items: [String] = []
        if isStar {
            let step = starStep
            let progression = Set(starProgression(step: step))
            items.append(step == 1 ? "*" : "*/\(step)")
            rest.removeAll(where: progression.contains)
        } else if rest.count >= 3, let step = Self.commonStep(rest), step > 1 {
            return "\(rest[0])-\(rest[rest.count - 1])/\(step)"
        }
        items += Self.runs(rest)
        return items.joined(separator: ",")
    }

    /// The smallest `n` whose `*/n` is contained in the values: the first item of a star field
    /// is some `*/m`, so an `n <= m` always exists.
    private var starStep: Int {
        let span = kind.textBounds.count
        return (1...span).first { step in starProgression(step: step).allSatisfy(contains) } ?? span
    }

    /// What `*/step` matches in this field (day-of-week runs 0-7, so 7 folds into Sunday).
    func starProgression(step: Int) -> [Int] {
        stride(from: kind.textBounds.lowerBound, through: kind.textBounds.upperBound, by: step)
            .map { kind == .dayOfWeek && $0 == 7 ? 0 : $0 }
    }

    /// The step when the ascending values form one arithmetic progression.
    private static func commonStep(_ values: [Int]) -> Int? {
        let step = values[1] - values[0]
        return zip(values, values.dropFirst()).allSatisfy { $1 - $0 == step } ? step : nil
    }

    /// Ascending values as `a-b` for runs of three or more, single numbers otherwise.
    private static func runs(_ values: [Int]) -> [String] {
        var items: [String] = []
        var index = 0
        while index < values.count {
            var end = index
            while end + 1 < values.count, values[end + 1] == values[end] + 1 { end += 1 }
            if end - index >= 2 {
                items.append("\(values[index])-\(values[end])")
            } else {
                items += values[index...end].map(String.init)
            }
            index = end + 1
        }
        return items
    }
}
