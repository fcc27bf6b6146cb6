/// "Did you mean …?" for unknown keys: the closest known key, if it is close enough to be a typo.
enum ConfigSuggestion {
    /// The candidate nearest to `key`, or nil when none is plausibly what was meant.
    static func closest(to key: String, among candidates: [String]) -> String? {
        let normalized = normalize(key)
        // `http-port` or `HTTP_PORT` for `http_port` is not a typo but a spelling convention.
        if let exact = candidates.first(where: { normalize($0) == normalized }) { return exact }
        let scored = candidates.map { (candidate: $0, distance: distance(normalized, normalize($0))) }
        guard let best = scored.min(by: { $0.distance < $1.distance }) else { return nil }
        // Allow about one edit per four characters: `retention_day` → `retention_days`, but
        // `port` is not a typo of `user`.
        let allowed = max(1, min(3, best.candidate.count / 4))
        return best.distance <= allowed ? best.candidate : nil
    }

    private static func normalize(_ key: String) -> String {
        String(key.lowercased().map { $0 == "-" ? "_" : $0 })
    }

    /// Levenshtein distance over characters.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
