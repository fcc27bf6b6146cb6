import AegisSystem
import Foundation
import Glibc
import Synchronization

/// A stand-in for Grafana Loki, because real Loki is not in Debian's archive and cannot run
/// here. It follows Loki's documented HTTP API as far as a shipper can tell:
///
/// - `POST /loki/api/v1/push` with a JSON body, plain or `Content-Encoding: gzip`: 204 on
///   success; 400 for a body that is not a push (bad JSON, bad label names, bad timestamps) and
///   for an entry older than its stream's newest (Loki's "entry out of order"); an entry
///   identical to one the stream holds (same timestamp and line) is accepted and dropped, as
///   Loki does.
/// - `GET /ready`: 200 `ready`.
///
/// - With `credentials` set, a push must carry them, as a multi-tenant Loki behind an auth proxy
///   (Promtail's setup) checks: 401 `no org id` without the tenant's `X-Scope-OrgID`, 401 for a
///   missing or wrong `Authorization`.
///
/// It can be told to answer every push with a status (429, 500, …), to hang (read the push,
/// never answer), to store a push and lose the answer, or to be absent (nobody listens on the port). `streams` returns what arrived.
final class LokiStandIn: Sendable {
    enum Mode: Sendable, Equatable {
        case accept
        case status(Int)
        case hang
        /// Stores the push, then closes without answering: the answer is lost on the way, so
        /// the shipper cannot know the push arrived.
        case storeWithoutAnswer
    }

    /// What a push must carry; nil members are not checked.
    struct Credentials: Sendable, Equatable {
        var tenant: String?
        /// The whole `Authorization` value, e.g. `Basic c2hpcHBlcjpwdw==` or `Bearer tok`.
        var authorization: String?
    }

    struct Stored: Sendable, Equatable {
        var timestampNs: Int64
        var line: String
    }

    private struct State {
        var mode: Mode = .accept
        var credentials: Credentials?
        /// Pushes refused with 401, and the tenant and authorization headers of the last push.
        var unauthorized = 0
        var lastTenant: String?
        var lastAuthorization: String?
        var streams: [[String: String]: [Stored]] = [:]
        /// Per stream, the entries held, for Loki's duplicate check.
        var held: [[String: String]: Set<String>] = [:]
        var pushes = 0
        var accepted = 0
        var refused = 0
        var duplicates = 0
        var gzipped = 0
        var listener: Int32 = -1
        var hung: [Int32] = []
    }

    let port: Int
    private let state = Mutex(State())

    init() throws {
        port = try FreePorts.base(count: 1)
        try listen()
    }

    deinit {
        state.withLock { state in
            if state.listener >= 0 { close(state.listener) }
            for fd in state.hung { close(fd) }
        }
    }

    var url: String { "http://127.0.0.1:\(port)/loki/api/v1/push" }

    var mode: Mode {
        get { state.withLock { $0.mode } }
        set {
            state.withLock { state in
                state.mode = newValue
                // Leaving `hang`: the hung pushes get no answer but a close, like a restarted Loki.
                if newValue != .hang {
                    for fd in state.hung { close(fd) }
                    state.hung = []
                }
            }
        }
    }

    /// The credentials every push must carry from now on; nil accepts any push.
    var credentials: Credentials? {
        get { state.withLock { $0.credentials } }
        set { state.withLock { $0.credentials = newValue } }
    }

    /// Pushes refused for missing or wrong credentials.
    var unauthorized: Int { state.withLock { $0.unauthorized } }

    /// The `X-Scope-OrgID` and `Authorization` headers of the last push.
    var lastHeaders: (tenant: String?, authorization: String?) { state.withLock { ($0.lastTenant, $0.lastAuthorization) } }

    /// Loki down: nobody listens, connections are refused.
    func goAway() {
        state.withLock { state in
            shutdown(state.listener, Int32(SHUT_RDWR))
            close(state.listener)
            state.listener = -1
        }
    }

    /// Loki back on the same port.
    func comeBack() throws { try listen() }

    /// Entries per stream (label set), in the order Loki holds them.
    var streams: [[String: String]: [Stored]] { state.withLock { $0.streams } }

    /// Lines of the streams whose labels include `labels`, stream by stream.
    func lines(matching labels: [String: String]) -> [[String]] {
        streams.filter { stream in labels.allSatisfy { stream.key[$0.key] == $0.value } }
            .sorted { $0.key.description < $1.key.description }.map { $0.value.map(\.line) }
    }

    var counts: (pushes: Int, accepted: Int, refused: Int, duplicates: Int, gzipped: Int) {
        state.withLock { ($0.pushes, $0.accepted, $0.refused, $0.duplicates, $0.gzipped) }
    }

    // MARK: - Serving

    private func listen() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(UInt32(0x7F00_0001).bigEndian)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, Glibc.listen(fd, 64) == 0 else {
            close(fd)
            throw TestFailure("LokiStandIn cannot listen on \(port): \(String(cString: strerror(errno)))")
        }
        state.withLock { $0.listener = fd }
        Thread { [self] in acceptLoop(fd) }.start()
    }

    private func acceptLoop(_ listener: Int32) {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return  // closed by goAway
            }
            Thread { [self] in serve(client) }.start()
        }
    }

    private func serve(_ fd: Int32) {
        guard let request = HTTPRequestReader.read(fd) else {
            close(fd)
            return
        }
        if request.method == "GET", request.path == "/ready" {
            respond(fd, 200, "ready")
            return
        }
        guard request.method == "POST", request.path == "/loki/api/v1/push" else {
            respond(fd, 404, "404 page not found")
            return
        }
        let tenant = request.headers["x-scope-orgid"]
        let authorization = request.headers["authorization"]
        let refusal = state.withLock { state -> String? in
            state.pushes += 1
            state.lastTenant = tenant
            state.lastAuthorization = authorization
            guard let required = state.credentials else { return nil }
            var refusal: String?
            if let expected = required.tenant, tenant != expected { refusal = "no org id" }
            if let expected = required.authorization, authorization != expected { refusal = "unauthorized" }
            if refusal != nil { state.unauthorized += 1 }
            return refusal
        }
        if let refusal {
            respond(fd, 401, refusal)
            return
        }
        let mode = state.withLock { state -> Mode in
            if state.mode == .hang { state.hung.append(fd) }
            return state.mode
        }
        switch mode {
        case .hang: return
        case .status(let code): respond(fd, code, code == 429 ? "Ingestion rate limit exceeded" : "server error")
        case .accept, .storeWithoutAnswer:
            var body = request.body
            if request.headers["content-encoding"] == "gzip" {
                state.withLock { $0.gzipped += 1 }
                guard let plain = Self.gunzip(body) else {
                    respond(fd, 400, "bad gzip body")
                    return
                }
                body = plain
            }
            if mode == .storeWithoutAnswer {
                _ = store(body)
                close(fd)
            } else if let problem = store(body) {
                state.withLock { $0.refused += 1 }
                respond(fd, 400, problem)
            } else {
                respond(fd, 204, "")
            }
        }
    }

    /// Validates the whole push first, then stores it: a refused push changes nothing.
    private func store(_ body: [UInt8]) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
              let streams = object["streams"] as? [[String: Any]]
        else { return "loghttp.PushRequest: not a push request body" }
        var parsed: [([String: String], [Stored])] = []
        for stream in streams {
            guard let labels = stream["stream"] as? [String: String], !labels.isEmpty,
                  let values = stream["values"] as? [[Any]]
            else { return "error parsing labels or values" }
            for name in labels.keys where !Self.isLabelName(name) {
                return "error parsing labels: invalid label name \(name)"
            }
            var entries: [Stored] = []
            for value in values {
                guard value.count >= 2, let ts = (value[0] as? String).flatMap(Int64.init), let line = value[1] as? String else {
                    return "error parsing entry: timestamp must be a string of Unix nanoseconds"
                }
                entries.append(Stored(timestampNs: ts, line: line))
            }
            parsed.append((labels, entries))
        }
        return state.withLock { state -> String? in
            var streams = state.streams
            var seen = state.held
            var accepted = 0
            var duplicates = 0
            for (labels, entries) in parsed {
                var held = streams[labels] ?? []
                for entry in entries {
                    // An entry identical to one held is a resend: accepted and dropped.
                    if seen[labels, default: []].contains("\(entry.timestampNs) \(entry.line)") {
                        duplicates += 1
                        continue
                    }
                    if let last = held.last, entry.timestampNs < last.timestampNs {
                        return "entry out of order for stream \(labels): \(entry.timestampNs) is older than \(last.timestampNs)"
                    }
                    held.append(entry)
                    seen[labels, default: []].insert("\(entry.timestampNs) \(entry.line)")
                    accepted += 1
                }
                streams[labels] = held
            }
            state.streams = streams
            state.held = seen
            state.accepted += accepted
            state.duplicates += duplicates
            return nil
        }
    }

    private func respond(_ fd: Int32, _ status: Int, _ body: String) {
        let reason = [200: "OK", 204: "No Content", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 429: "Too Many Requests"][status] ?? "Error"
        var text = "HTTP/1.1 \(status) \(reason)\r\nConnection: close\r\n"
        text += status == 204 ? "\r\n" : "Content-Type: text/plain\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        close(fd)
    }

    static func isLabelName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, !(("0"..."9").contains(first)) else { return false }
        return name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }

    static func gunzip(_ bytes: [UInt8]) -> [UInt8]? {
        var out: [UInt8] = []
        guard let reader = try? GzipReader(sink: { out += $0 }) else { return nil }
        do {
            try bytes.withUnsafeBytes { try reader.write($0) }
            try reader.finish()
        } catch {
            return nil
        }
        return out
    }
}

/// Reads one HTTP/1.1 request (head and `Content-Length` body) from a socket.
enum HTTPRequestReader {
    struct Request {
        var method: String
        var path: String
        var headers: [String: String]
        var body: [UInt8]
    }

    static func read(_ fd: Int32) -> Request? {
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var headEnd: Int?
        var request: Request?
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return nil }
            data += chunk[0..<count]
            if headEnd == nil, let end = find(data, [13, 10, 13, 10]) {
                headEnd = end + 4
                let lines = String(decoding: data[0..<end], as: UTF8.self).components(separatedBy: "\r\n")
                let parts = lines[0].split(separator: " ")
                guard parts.count >= 2 else { return nil }
                var headers: [String: String] = [:]
                for line in lines.dropFirst() {
                    guard let colon = line.firstIndex(of: ":") else { continue }
                    headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                }
                request = Request(method: String(parts[0]), path: String(parts[1].split(separator: "?")[0]), headers: headers, body: [])
            }
            if let headEnd, var found = request {
                let length = Int(found.headers["content-length"] ?? "0") ?? 0
                if data.count - headEnd >= length {
                    found.body = Array(data[headEnd..<headEnd + length])
                    return found
                }
            }
        }
    }

    private static func find(_ haystack: [UInt8], _ needle: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start..<start + needle.count].elementsEqual(needle) {
            return start
        }
        return nil
    }
}
