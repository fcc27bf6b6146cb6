/// Where the shipper pushes: `http://HOST:PORT/loki/api/v1/push` or `https://…`.
///
/// Plain http only to an IPv4 address or `localhost` (the supervised Loki on loopback, or a
/// Loki on a trusted address); https also to a DNS name, which the server's certificate is then
/// checked against. IPv6 literals are not accepted: give a name.
public struct LokiEndpoint: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var path: String
    /// https: the push goes over TLS and the server's certificate is verified.
    public var secure: Bool

    public static let pushPath = "/loki/api/v1/push"

    public init(host: String, port: Int, path: String = LokiEndpoint.pushPath, secure: Bool = false) {
        self.host = host
        self.port = port
        self.path = path
        self.secure = secure
    }

    /// Parses `url`; throws a message naming what is wrong with it.
    public init(url: String) throws(LokiEndpointError) {
        let secure: Bool
        let rest: Substring
        if url.hasPrefix("https://") {
            secure = true
            rest = url.dropFirst("https://".count)
        } else if url.hasPrefix("http://") {
            secure = false
            rest = url.dropFirst("http://".count)
        } else {
            throw LokiEndpointError("\"\(url)\" is not an http:// or https:// URL")
        }
        let example = secure ? "https://loki.example.net:3100" : "http://127.0.0.1:3100"
        let authority = rest.prefix { $0 != "/" }
        let path = rest.dropFirst(authority.count)
        if authority.hasPrefix("[") {
            throw LokiEndpointError("\"\(url)\": IPv6 addresses are not supported here; use a host name or an IPv4 address")
        }
        let parts = authority.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, let port = Int(parts[1]), (1...65535).contains(port) else {
            throw LokiEndpointError("\"\(url)\" needs a host and a port, like \(example)")
        }
        let host = String(parts[0])
        if !(host == "localhost" || Self.isIPv4(host)) {
            guard secure else {
                throw LokiEndpointError(
                    "\"\(url)\": over plain http the host must be an IPv4 address or localhost; "
                        + "use https:// to reach a Loki by name")
            }
            guard Self.isDNSName(host) else {
                throw LokiEndpointError("\"\(url)\": \"\(host)\" is not a host name or an IPv4 address")
            }
        }
        self.init(host: host, port: port, path: path.isEmpty || path == "/" ? Self.pushPath : String(path), secure: secure)
    }

    public var url: String { "\(secure ? "https" : "http")://\(host):\(port)\(path)" }

    static func isIPv4(_ host: String) -> Bool {
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets.allSatisfy { UInt8($0) != nil }
    }

    /// Letters, digits and hyphens in dot-separated labels (RFC 1123), at most 253 characters.
    static func isDNSName(_ host: String) -> Bool {
        guard host.utf8.count <= 253 else { return false }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        return labels.allSatisfy { label in
            !label.isEmpty && label.utf8.count <= 63 && label.first != "-" && label.last != "-"
                && label.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-") }
        }
    }
}

/// Why a `loki_url` cannot be used.
public struct LokiEndpointError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
