import AegisCore

/// A minimal HTTP/1.1 GET against a loopback port, for Loki's `/ready`: plain, or over TLS when
/// `tls` is given (Loki with `[loki] tls = true`).
public enum HTTPProbe {
    /// Returns the status code and the body (up to 64 KiB).
    public static func get(
        port: Int, path: String, timeout: Duration, tls: TLSClientSettings? = nil
    ) throws(SystemError) -> (status: Int, body: String) {
        let connection = try StreamConnector.connect(host: "127.0.0.1", port: port, timeout: timeout, tls: tls)
        let host = tls?.serverName ?? "127.0.0.1"
        let request = "GET \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: close\r\nUser-Agent: aegisd\r\n\r\n"
        try connection.write(Array(request.utf8))
        let response = try HTTPResponseReader.read(from: connection, peer: "127.0.0.1:\(port)")
        return (response.status, response.bodyText)
    }
}
