/// A connected, deadline-bounded byte stream: a plain socket (`SocketConnection`) or TLS over
/// one (`TLSConnection`). HTTPProbe and LokiPusher speak HTTP/1.1 over either, so whether Loki
/// is reached over http or https is decided once, where the connection is opened.
public protocol ByteStream: AnyObject {
    /// Writes all of `bytes` or throws.
    func write(_ bytes: [UInt8]) throws(SystemError)
    /// Reads what is available (at least one byte); empty at the end of the stream.
    func read(max: Int) throws(SystemError) -> [UInt8]
}

extension ByteStream {
    public func read() throws(SystemError) -> [UInt8] { try read(max: 16 * 1024) }
}
