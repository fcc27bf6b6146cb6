import AegisCore

/// Reads one HTTP/1.1 response from a connection (plain or TLS) with `HTTPResponseParser`: the
/// one response reader under Loki's readiness probe and the log pusher.
public enum HTTPResponseReader {
    public static func read(
        from connection: any ByteStream, maxBodyBytes: Int = 64 * 1024, peer: String
    ) throws(SystemError) -> HTTPResponse {
        var parser = HTTPResponseParser(maxBodyBytes: maxBodyBytes)
        do {
            while true {
                let bytes = try connection.read()
                if bytes.isEmpty { return try parser.finish() }
                if case .complete(let response) = try parser.feed(bytes) { return response }
            }
        } catch let failure as HTTPResponseParser.Failure {
            throw SystemError("\(failure) from \(peer)")
        } catch let error as SystemError {
            throw error
        } catch {
            throw SystemError("\(error)")
        }
    }
}
