/// One metric family of a scrape: a name, its help text and type, and its samples. Plain data
/// produced by `MetricsMapping` and written out by `MetricsExposition`.
public struct MetricFamily: Sendable, Equatable {
    /// The metric type. `info` (a `_info` family whose value is always 1) is a gauge in the
    /// Prometheus text format, which has no info type, and `info` in OpenMetrics.
    public enum Kind: String, Sendable, Equatable {
        case gauge, counter, info, histogram
    }

    /// The sample name; a counter's ends in `_total` and an info's in `_info`, suffixes that
    /// OpenMetrics keeps on the samples but not on the family.
    public var name: String
    public var help: String
    public var kind: Kind
    public var samples: [MetricSample]

    public init(name: String, help: String, kind: Kind, samples: [MetricSample]) {
        self.name = name
        self.help = help
        self.kind = kind
        self.samples = samples
    }
}

/// One sample of a family: its labels in order and its value. `suffix` follows the family's
/// name for a histogram's `_bucket`, `_sum` and `_count` samples.
public struct MetricSample: Sendable, Equatable {
    public var suffix: String
    public var labels: [MetricLabel]
    public var value: Double

    public init(_ labels: [MetricLabel] = [], _ value: Double, suffix: String = "") {
        self.suffix = suffix
        self.labels = labels
        self.value = value
    }
}

/// A label name and value; names are fixed by the mapping, values come from the status.
public struct MetricLabel: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}
