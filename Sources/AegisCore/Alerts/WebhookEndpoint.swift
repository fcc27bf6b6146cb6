/// Where an `[[alerts.notify]] url` POSTs: host, port, path and whether over TLS. The same
/// rules as a Loki URL (`LokiEndpoint`): a port is required, plain http only to an IP address
/// or localhost, https to a host name verified against `ca_file` or the system's CA store.
public struct WebhookEndpoint: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var path: String
    public var secure: Bool

    public init(url: String) throws(LokiEndpointError) {
        let parsed = try LokiEndpoint(url: url)
        let afterScheme = url.drop { $0 != "/" }.dropFirst(2)
        let path = afterScheme.drop { $0 != "/" }
        self.host = parsed.host
        self.port = parsed.port
        self.path = path.isEmpty ? "/" : String(path)
        self.secure = parsed.secure
    }
}
