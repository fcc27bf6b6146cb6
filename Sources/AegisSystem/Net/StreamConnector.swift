import AegisCore

/// Opens the connection an HTTP client asks for: plain TCP, or TLS over it when `tls` is given.
public enum StreamConnector {
    public static func connect(
        host: String, port: Int, timeout: Duration, tls: TLSClientSettings?
    ) throws(SystemError) -> any ByteStream {
        let socket = try SocketConnection(host: host, port: port, timeout: timeout)
        guard let tls else { return socket }
        return try TLSConnection(over: socket, settings: tls, peer: "\(host):\(port)")
    }
}
