/// Where the shipper pushes: `http://HOST:PORT/loki/api/v1/push`. Plain HTTP to an IPv4 address
/// or `localhost`: the supervised Loki listens on loopback (TLS to a remote Loki is not built yet,
/// and saying so beats a silent plaintext push to a remote host).
public struct LokiEndpoint: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var path: String

    public static let pushPath = "/loki/api/v1/push"

    public init(host: String, port: Int, path: String = LokiEndpoint.pushPath) {
        self.host = host
        self.port = port
        self.path = path
    }

    /// Parses `url`; throws a message naming what is wrong with it.
    public init(url: String) throws(LokiEndpointError) {
        guard url.hasPrefix("http://") else {
            if url.hasPrefix("https://") {
                throw LokiEndpointError("\"\(url)\": https is not supported yet; push over http to a loopback Loki")
            }
            throw LokiEndpointError("\"\(url)\" is not an http:// URL")
        }
        let rest = url.dropFirst("http://".count)
        let authority = rest.prefix { $0 != "/" }
        let path = rest.dropFirst(authority.count)
        let parts = authority.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, let port = Int(parts[1]), (1...65535).contains(port) else {
            throw LokiEndpointError("\"\(url)\" needs a host and a port, like http://127.0.0.1:3100")
        }
        let host = String(parts[0])
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        guard host == "localhost" || (octets.count == 4 && octets.allSatisfy { UInt8($0) != nil }) else {
            throw LokiEndpointError("\"\(url)\": the host must be an IPv4 address or localhost")
        }
        self.init(host: host, port: port, path: path.isEmpty || path == "/" ? Self.pushPath : String(path))
    }

    public var url: String { "http://\(host):\(port)\(path)" }
}

/// Why a `loki_url` cannot be used.
public struct LokiEndpointError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
