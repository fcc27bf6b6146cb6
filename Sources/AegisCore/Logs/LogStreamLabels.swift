/// A Loki stream: its label set in a canonical order, usable as a dictionary key. Entries of one
/// stream must reach Loki in time order; entries of different streams are independent.
public struct LogStreamLabels: Sendable, Hashable, Comparable {
    /// Sorted by name.
    public let pairs: [LabelPair]
    /// Computed once: the batcher looks a stream up for every entry, and hashing the label
    /// strings each time was most of what a shipped line cost.
    private let precomputedHash: Int

    public struct LabelPair: Sendable, Hashable {
        public let name: String
        public let value: String
    }

    public init(_ labels: [String: String]) {
        pairs = labels.keys.sorted().map { LabelPair(name: $0, value: labels[$0]!) }
        precomputedHash = pairs.hashValue
    }

    public static func == (lhs: LogStreamLabels, rhs: LogStreamLabels) -> Bool {
        lhs.precomputedHash == rhs.precomputedHash && lhs.pairs == rhs.pairs
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(precomputedHash) }

    public subscript(name: String) -> String? { pairs.first { $0.name == name }?.value }

    /// LogQL's selector form, `{host="a", job="b"}`.
    public var selector: String {
        "{" + pairs.map { "\($0.name)=\"\(LokiPushEncoder.escaped($0.value))\"" }.joined(separator: ", ") + "}"
    }

    public static func < (lhs: LogStreamLabels, rhs: LogStreamLabels) -> Bool { lhs.selector < rhs.selector }
}
