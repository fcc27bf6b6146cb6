import AegisCore

/// POSTs one push body to Loki: gzip-compressed JSON over HTTP/1.1, one connection per push
/// (a push per second or per MiB makes keep-alive not worth its failure modes), over TLS for an
/// https endpoint. Blocking: run it off the cooperative pool (`runBlocking`).
public struct LokiPusher: Sendable {
    public let endpoint: LokiEndpoint
    /// How an https endpoint is verified; nil for http.
    public let tls: TLSClientSettings?
    /// A push that gets no answer within this time counts as a network error and is retried.
    public let timeout: Duration
    /// The tenant and credentials of a remote Loki, sent as headers with every push.
    public let credentials: LokiCredentials

    /// - Parameter tls: the CA and name to verify an https endpoint against; when nil for an
    ///   https endpoint, the system's CA store and the endpoint's host.
    public init(
        endpoint: LokiEndpoint, tls: TLSClientSettings? = nil, timeout: Duration = .seconds(10), credentials: LokiCredentials = .none
    ) {
        self.endpoint = endpoint
        self.credentials = credentials
        self.tls = endpoint.secure ? (tls ?? TLSClientSettings(caFile: nil, serverName: endpoint.host)) : nil
        self.timeout = timeout
    }

    /// A push body: `json` gzip-compressed (level 1: Loki's own clients favour speed).
    public static func compressedBody(json: [UInt8]) throws(SystemError) -> [UInt8] {
        try json.withUnsafeBytes { raw in Result { () throws(SystemError) in try GzipMember.compress(raw, level: 1) } }.get()
    }

    /// Sends a push body, gzip (`compressedBody`), or plain JSON as spools written before the
    /// bodies were compressed hold it (compressed here); returns Loki's status code and the
    /// start of its body (Loki says there why it refused a push), or throws when there was no
    /// HTTP answer.
    public func push(body stored: [UInt8]) throws(SystemError) -> (status: Int, body: String) {
        let body = stored.starts(with: [0x1F, 0x8B]) ? stored : try Self.compressedBody(json: stored)
        let head = "POST \(endpoint.path) HTTP/1.1\r\nHost: \(endpoint.host):\(endpoint.port)\r\n"
            + "Content-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: \(body.count)\r\n"
            + credentials.headers.map { "\($0.name): \($0.value)\r\n" }.joined()
            + "User-Agent: aegisd/\(AegisVersion.current)\r\nConnection: close\r\n\r\n"
        let connection = try StreamConnector.connect(host: endpoint.host, port: endpoint.port, timeout: timeout, tls: tls)
        try connection.write(Array(head.utf8) + body)
        // Loki says in the body why it refused a push: the start of it is enough.
        let response = try HTTPResponseReader.read(from: connection, maxBodyBytes: 512, peer: "\(endpoint.host):\(endpoint.port)")
        return (response.status, response.bodyText)
    }
}
