import AegisCore

/// The Loki stream of each entry, by `[logs]` label rules. Cached when no JSON label applies
/// (the common case: no parsing, no sorting per line).
struct StreamLabelCache {
    let rules: LokiLabelRules

    private struct Key: Hashable {
        let job: String
        let service: String?
        let level: LogLevel
    }

    private var cache: [Key: LogStreamLabels] = [:]
    /// The last lookup: consecutive entries mostly come from one child at one level.
    private var last: (key: Key, labels: LogStreamLabels)?

    init(rules: LokiLabelRules) { self.rules = rules }

    mutating func labels(of entry: LogEntry, job: String, service: String?) -> LogStreamLabels {
        if entry.line.first == "{", !rules.jsonKeys.isEmpty {
            return LogStreamLabels(rules.labels(job: job, service: service, entry: entry))
        }
        let key = Key(job: job, service: service, level: entry.level)
        if let last, last.key == key { return last.labels }
        let labels = cache[key] ?? LogStreamLabels(rules.labels(job: job, service: service, entry: entry))
        cache[key] = labels
        last = (key, labels)
        return labels
    }
}
