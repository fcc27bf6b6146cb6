/// Where `/metrics` listens: `[metrics] listen` (`ADDRESS`, `ADDRESS:PORT`, `[IPv6]`,
/// `[IPv6]:PORT`), empty meaning `127.0.0.1:<metrics.port>`. Addresses are numeric, so the
/// endpoint never depends on name resolution at start.
public struct MetricsEndpoint: Sendable, Equatable, CustomStringConvertible {
    public var address: String
    public var port: Int
    /// HTTPS (`[metrics] tls`).
    public var tls: Bool
    public var isIPv6: Bool { address.contains(":") }

    public init(address: String, port: Int, tls: Bool = false) {
        self.address = address
        self.port = port
        self.tls = tls
    }

    public var description: String { isIPv6 ? "[\(address)]:\(port)" : "\(address):\(port)" }

    /// The URL a scraper on this host uses.
    public var url: String { "\(tls ? "https" : "http")://\(description)/metrics" }

    /// Whether only this host can reach the endpoint (a loopback address).
    public var isLoopback: Bool { address.hasPrefix("127.") || address == "::1" }

    /// The endpoint of `[metrics]`, or why `listen` is not usable.
    public static func of(_ settings: MetricsSettings) -> Result<MetricsEndpoint, MetricsEndpointError> {
        let listen = settings.listen
        if listen.isEmpty { return .success(MetricsEndpoint(address: "127.0.0.1", port: settings.port, tls: settings.tls)) }
        var address = Substring(listen)
        var portText: Substring?
        if address.hasPrefix("[") {
            guard let close = address.firstIndex(of: "]") else { return .failure(.init(listen, "a '[' without its ']'")) }
            let rest = address[address.index(after: close)...]
            address = address[address.index(after: address.startIndex)..<close]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else { return .failure(.init(listen, "expected ':PORT' after ']'")) }
                portText = rest.dropFirst()
            }
            guard isIPv6(address) else { return .failure(.init(listen, "'\(address)' is not an IPv6 address")) }
        } else {
            if let colon = address.lastIndex(of: ":") {
                portText = address[address.index(after: colon)...]
                address = address[..<colon]
            }
            guard isIPv4(address) else {
                return .failure(.init(listen, "'\(address)' is not an IPv4 address (write IPv6 as [::1]:PORT)"))
            }
        }
        var port = settings.port
        if let portText {
            guard let parsed = Int(portText), (1...65535).contains(parsed) else {
                return .failure(.init(listen, "port '\(portText)' is not in 1–65535"))
            }
            port = parsed
        }
        return .success(MetricsEndpoint(address: String(address), port: port, tls: settings.tls))
    }

    static func isIPv4(_ text: Substring) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { part in
            !part.isEmpty && part.count <= 3 && part.allSatisfy(\.isASCII) && Int(part).map { (0...255).contains($0) } == true
        }
    }

    static func isIPv6(_ text: Substring) -> Bool {
        !text.isEmpty && text.contains(":") && text.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." }
    }
}

/// A `[metrics] listen` value that cannot be used, with what is wrong.
public struct MetricsEndpointError: Error, Sendable, Equatable, CustomStringConvertible {
    public var value: String
    public var problem: String

    init(_ value: String, _ problem: String) {
        self.value = value
        self.problem = problem
    }

    public var description: String {
        "\"\(value)\" is not ADDRESS[:PORT] with a numeric address (127.0.0.1:9464, 0.0.0.0, [::1]:9464): \(problem)"
    }
}
