import AegisCore

/// What a request head asks of the metrics endpoint.
enum MetricsRequest: Equatable {
    case metrics(MetricsFormat, headOnly: Bool)
    case notFound
    case methodNotAllowed
    case malformed

    /// Reads the request line and the `Accept` header; a query string is ignored.
    static func parse(_ head: String) -> MetricsRequest {
        // "\r\n" is one Character in Swift, and a newline: this splits CRLF and bare LF alike.
        let lines = head.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        let parts = lines.first?.split(separator: " ") ?? []
        guard parts.count == 3, parts[2].hasPrefix("HTTP/1.") else { return .malformed }
        guard parts[0] == "GET" || parts[0] == "HEAD" else { return .methodNotAllowed }
        let path = parts[1].split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        guard path == "/metrics" else { return .notFound }
        return .metrics(MetricsFormat.negotiate(accept: header("accept", in: head)), headOnly: parts[0] == "HEAD")
    }

    /// The value of the first header field called `name` (case-insensitive) in a request head.
    static func header(_ name: String, in head: String) -> String? {
        let prefix = name.lowercased() + ":"
        return head.split(whereSeparator: \.isNewline).dropFirst().first { $0.lowercased().hasPrefix(prefix) }
            .map { String($0.dropFirst(prefix.count)) }
    }
}
