/// Just enough RESP2 to talk to our own Redis over its Unix socket: AUTH, PING, INFO, BGSAVE.
/// Every call is bounded by the connection's deadline.
public final class RedisClient {
    /// One RESP reply.
    public enum Reply: Sendable, Equatable {
        case simple(String)
        case error(String)
        case integer(Int)
        case bulk(String?)
        case array([Reply]?)
    }

    private let connection: SocketConnection
    private var buffer: [UInt8] = []

    public init(unixPath: String, timeout: Duration) throws(SystemError) {
        connection = try SocketConnection(unixPath: unixPath, timeout: timeout)
    }

    /// The next calls end `timeout` from now (a client kept between health checks).
    public func resetDeadline(after timeout: Duration) {
        connection.resetDeadline(after: timeout)
    }

    /// `AUTH user password`; throws with Redis's own words when refused.
    public func authenticate(user: String, password: String) throws(SystemError) {
        let reply = try command(["AUTH", user, password])
        guard reply == .simple("OK") else { throw SystemError("Redis refused AUTH as \(user): \(reply)") }
    }

    /// Sends one command and reads its reply.
    public func command(_ arguments: [String]) throws(SystemError) -> Reply {
        var request = "*\(arguments.count)\r\n"
        for argument in arguments {
            request += "$\(argument.utf8.count)\r\n\(argument)\r\n"
        }
        try connection.write(Array(request.utf8))
        return try readReply()
    }

    private func readReply() throws(SystemError) -> Reply {
        let line = try readLine()
        guard let kind = line.first else { throw SystemError("empty reply from Redis") }
        let rest = String(line.dropFirst())
        switch kind {
        case "+": return .simple(rest)
        case "-": return .error(rest)
        case ":": return .integer(Int(rest) ?? 0)
        case "$":
            guard let length = Int(rest) else { throw SystemError("bad bulk length from Redis: \(rest)") }
            guard length >= 0 else { return .bulk(nil) }
            while buffer.count < length + 2 { try fill() }
            let text = String(decoding: buffer[0..<length], as: UTF8.self)
            buffer.removeFirst(length + 2)
            return .bulk(text)
        case "*":
            guard let count = Int(rest) else { throw SystemError("bad array length from Redis: \(rest)") }
            guard count >= 0 else { return .array(nil) }
            var items: [Reply] = []
            for _ in 0..<count { items.append(try readReply()) }
            return .array(items)
        default:
            throw SystemError("unexpected reply from Redis: \(line)")
        }
    }

    private func readLine() throws(SystemError) -> String {
        while true {
            if let end = buffer.firstIndex(of: UInt8(ascii: "\r")), end + 1 < buffer.count {
                let line = String(decoding: buffer[0..<end], as: UTF8.self)
                buffer.removeFirst(end + 2)
                return line
            }
            try fill()
        }
    }

    private func fill() throws(SystemError) {
        let bytes = try connection.read()
        guard !bytes.isEmpty else { throw SystemError("Redis closed the connection") }
        buffer.append(contentsOf: bytes)
    }
}
