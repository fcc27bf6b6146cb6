/// The two exposition formats `/metrics` speaks, and which one a scraper asked for.
public enum MetricsFormat: Sendable, Equatable {
    /// The Prometheus text format 0.0.4: what every scraper understands, the default.
    case prometheusText
    /// OpenMetrics 1.0.0, served only when the scraper's `Accept` header names it.
    case openMetrics

    public var contentType: String {
        switch self {
        case .prometheusText: "text/plain; version=0.0.4; charset=utf-8"
        case .openMetrics: "application/openmetrics-text; version=1.0.0; charset=utf-8"
        }
    }

    /// OpenMetrics when `accept` lists `application/openmetrics-text` with a non-zero quality
    /// (Prometheus sends it first when it prefers it), otherwise the text format.
    public static func negotiate(accept: String?) -> MetricsFormat {
        guard let accept else { return .prometheusText }
        for range in accept.split(separator: ",") {
            let parts = range.split(separator: ";").map { $0.trimmingWhitespace() }
            guard parts.first?.lowercased() == "application/openmetrics-text" else { continue }
            let quality = parts.dropFirst().first { $0.lowercased().hasPrefix("q=") }
                .flatMap { Double($0.dropFirst(2)) } ?? 1
            if quality > 0 { return .openMetrics }
        }
        return .prometheusText
    }
}
