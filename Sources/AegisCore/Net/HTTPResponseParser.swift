/// An HTTP/1.1 response as aegisd's clients need it: the status, the headers, and the body,
/// cut at a bound (Loki's `/ready` and push answers are a few bytes; a longer body is only read
/// for the reason a server gives).
public struct HTTPResponse: Sendable, Equatable {
    public var status: Int
    /// Header names in lower case; a repeated header keeps its last value.
    public var headers: [String: String]
    public var body: [UInt8]
    /// The body was longer than the parser's bound; `body` holds its start.
    public var bodyTruncated = false

    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// Reads an HTTP/1.1 response from bytes as they arrive (pure: the caller reads the socket).
/// Knows the three ways a body ends: `Content-Length`, `Transfer-Encoding: chunked`, and the
/// close of the connection; and that 1xx, 204 and 304 answers have none. Every part is bounded,
/// so a server that never stops sending costs at most `maxHeadBytes + maxBodyBytes`.
public struct HTTPResponseParser: Sendable {
    public enum Outcome: Sendable, Equatable {
        case needMore
        case complete(HTTPResponse)
    }

    /// Why the bytes are not a usable response; the description says which.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case notHTTP
        case headTooLarge(limit: Int)
        case badHeader(String)
        case badChunk
        case truncated

        public var description: String {
            switch self {
            case .notHTTP: "not an HTTP response"
            case .headTooLarge(let limit): "an HTTP response head longer than \(limit) bytes"
            case .badHeader(let line): "a malformed HTTP header line: \(line.prefix(80))"
            case .badChunk: "a malformed chunk in an HTTP response body"
            case .truncated: "the connection closed in the middle of an HTTP response"
            }
        }
    }

    private enum Framing: Equatable {
        case length(Int)
        case chunked
        case untilClose
    }

    private enum Phase: Equatable {
        case head
        case body(status: Int, headers: [String: String], framing: Framing)
        case done
    }

    public let maxHeadBytes: Int
    public let maxBodyBytes: Int
    private var buffer: [UInt8] = []
    private var phase = Phase.head
    private var body: [UInt8] = []
    private var bodySeen = 0
    private var truncated = false

    public init(maxHeadBytes: Int = 16 * 1024, maxBodyBytes: Int = 64 * 1024) {
        self.maxHeadBytes = maxHeadBytes
        self.maxBodyBytes = maxBodyBytes
    }

    /// Takes the next bytes read; `.complete` once the response is whole (or its body reached
    /// the bound: the rest is not needed).
    public mutating func feed(_ bytes: some Collection<UInt8>) throws(Failure) -> Outcome {
        buffer.append(contentsOf: bytes)
        while true {
            switch phase {
            case .done:
                return .needMore
            case .head:
                guard let end = Self.find([13, 10, 13, 10], in: buffer) else {
                    if buffer.count > maxHeadBytes { throw .headTooLarge(limit: maxHeadBytes) }
                    if buffer.count >= 5, !buffer.starts(with: Array("HTTP/".utf8)) { throw .notHTTP }
                    return .needMore
                }
                let (status, headers) = try Self.head(Array(buffer[..<end]))
                buffer.removeFirst(end + 4)
                if (100..<200).contains(status) { continue }  // an interim answer: the real one follows
                let framing = try Self.framing(status: status, headers: headers)
                phase = .body(status: status, headers: headers, framing: framing)
            case .body(let status, let headers, let framing):
                switch try consumeBody(framing) {
                case false: return .needMore
                case true:
                    phase = .done
                    return .complete(HTTPResponse(status: status, headers: headers, body: body, bodyTruncated: truncated))
                }
            }
        }
    }

    /// The connection closed: the response if it is whole (a body that runs until the close is).
    public mutating func finish() throws(Failure) -> HTTPResponse {
        guard case .body(let status, let headers, let framing) = phase else {
            throw phase == .head && buffer.isEmpty ? .notHTTP : .truncated
        }
        guard framing == .untilClose else { throw .truncated }
        keep(buffer[...])
        buffer = []
        phase = .done
        return HTTPResponse(status: status, headers: headers, body: body, bodyTruncated: truncated)
    }

    // MARK: - Private

    private static func head(_ bytes: [UInt8]) throws(Failure) -> (Int, [String: String]) {
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\r\n", omittingEmptySubsequences: false)
        let statusLine = lines.first ?? ""
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), parts[1].count == 3, let status = Int(parts[1]) else {
            throw .notHTTP
        }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":"), colon != line.startIndex else { throw .badHeader(String(line)) }
            let name = line[..<colon].lowercased()
            headers[name] = line[line.index(after: colon)...].trimmingSpaces
        }
        return (status, headers)
    }

    private static func framing(status: Int, headers: [String: String]) throws(Failure) -> Framing {
        if status == 204 || status == 304 { return .length(0) }
        if headers["transfer-encoding"]?.lowercased().hasSuffix("chunked") == true { return .chunked }
        if let text = headers["content-length"] {
            guard let length = Int(text), length >= 0 else { throw .badHeader("content-length: \(text)") }
            return .length(length)
        }
        return .untilClose
    }

    /// True once the body is complete (or as much of it as is kept).
    private mutating func consumeBody(_ framing: Framing) throws(Failure) -> Bool {
        switch framing {
        case .length(let length):
            let take = min(length - bodySeen, buffer.count)
            keep(buffer[..<take])
            buffer.removeFirst(take)
            return bodySeen == length || truncated
        case .untilClose:
            keep(buffer[...])
            buffer = []
            return truncated
        case .chunked:
            while true {
                guard let lineEnd = Self.find([13, 10], in: buffer) else {
                    if buffer.count > 1024 { throw .badChunk }
                    return false
                }
                let sizeText = String(decoding: buffer[..<lineEnd], as: UTF8.self)
                    .split(separator: ";", maxSplits: 1).first.map { $0.trimmingSpaces } ?? ""
                guard let size = Int(sizeText, radix: 16), size >= 0 else { throw .badChunk }
                if size == 0 {
                    // The last chunk, then trailers (ignored) up to an empty line.
                    guard let end = Self.find([13, 10, 13, 10], in: buffer, from: lineEnd) else { return false }
                    buffer.removeFirst(end + 4)
                    return true
                }
                let start = lineEnd + 2
                guard buffer.count >= start + size + 2 else { return false }
                guard buffer[start + size] == 13, buffer[start + size + 1] == 10 else { throw .badChunk }
                keep(buffer[start..<start + size])
                buffer.removeFirst(start + size + 2)
                if truncated { return true }
            }
        }
    }

    private mutating func keep(_ bytes: ArraySlice<UInt8>) {
        bodySeen += bytes.count
        let room = maxBodyBytes - body.count
        if bytes.count > room {
            body.append(contentsOf: bytes.prefix(room))
            truncated = true
        } else {
            body.append(contentsOf: bytes)
        }
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int = 0) -> Int? {
        guard haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
        for index in start...(haystack.count - needle.count) where haystack[index] == needle[0] {
            if haystack[index..<index + needle.count].elementsEqual(needle) { return index }
        }
        return nil
    }
}

extension Substring {
    /// Without the spaces and tabs around it (HTTP's optional whitespace).
    fileprivate var trimmingSpaces: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
