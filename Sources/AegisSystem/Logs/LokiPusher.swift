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
        return try HTTPResponseHead.read(from: connection)
    }
}

/// The status line and body of an HTTP/1.1 response on a `Connection: close` exchange.
enum HTTPResponseHead {
    static func read(from connection: any ByteStream) throws(SystemError) -> (status: Int, body: String) {
        var response: [UInt8] = []
        while response.count < 64 * 1024 {
            let bytes = try connection.read()
            if bytes.isEmpty { break }
            response += bytes
            if let status = complete(response) { return status }
        }
        guard let answer = parse(response) else { throw SystemError("not an HTTP response") }
        return answer
    }

    /// The answer once the head and the whole `Content-Length` body have arrived.
    private static func complete(_ bytes: [UInt8]) -> (status: Int, body: String)? {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let end = text.range(of: "\r\n\r\n") else { return nil }
        let head = text[..<end.lowerBound].lowercased()
        guard let line = head.split(separator: "\r\n").first(where: { $0.hasPrefix("content-length:") }),
              let length = Int(String(line.dropFirst("content-length:".count).filter(\.isNumber)))
        else {
            // No length: a 204 has no body; otherwise wait for the close.
            return head.hasPrefix("http/1.1 204") || head.hasPrefix("http/1.0 204") ? parse(bytes) : nil
        }
        return text[end.upperBound...].utf8.count >= length ? parse(bytes) : nil
    }

    private static func parse(_ bytes: [UInt8]) -> (status: Int, body: String)? {
        let text = String(decoding: bytes, as: UTF8.self)
        let parts = text.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), let status = Int(parts[1]) else { return nil }
        let body = text.range(of: "\r\n\r\n").map { String(text[$0.upperBound...].prefix(512)) } ?? ""
        return (status, body)
    }
}
