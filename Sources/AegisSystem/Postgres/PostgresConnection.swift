import CLibPQ
import Glibc

/// A libpq connection driven without blocking past a deadline: connect with
/// `PQconnectStartParams`/`PQconnectPoll`, queries with `PQsendQuery`, each wait a `poll` on the
/// socket. A SIGSTOPped postmaster accepts TCP/Unix connections in the kernel but never answers;
/// only a deadline catches that. Use from one thread at a time (see `runBlocking`).
public final class PostgresConnection {
    private let conn: OpaquePointer

    /// Connects with libpq keywords (`host`, `port`, `user`, `dbname`, …).
    public init(parameters: [String: String], timeout: Duration) throws(PostgresError) {
        let deadline = ContinuousClock.now + timeout
        let keys = parameters.keys.sorted()
        let started: OpaquePointer? = withCStrings(keys) { keyPointers in
            withCStrings(keys.map { parameters[$0]! }) { valuePointers in
                PQconnectStartParams(keyPointers, valuePointers, 0)
            }
        }
        guard let started else { throw PostgresError("libpq could not allocate a connection") }
        conn = started
        guard PQstatus(conn) != CONNECTION_BAD else { throw PostgresError(message(of: conn)) }
        var state = PGRES_POLLING_WRITING
        while state != PGRES_POLLING_OK {
            switch state {
            case PGRES_POLLING_FAILED:
                throw PostgresError(message(of: conn))
            case PGRES_POLLING_READING:
                try wait(forReading: true, until: deadline, doing: "connecting")
            default:
                try wait(forReading: false, until: deadline, doing: "connecting")
            }
            state = PQconnectPoll(conn)
        }
    }

    deinit {
        PQfinish(conn)
    }

    /// Runs one or more statements and returns the rows of the last result, as text.
    @discardableResult
    public func execute(_ sql: String, timeout: Duration) throws(PostgresError) -> [[String?]] {
        let deadline = ContinuousClock.now + timeout
        guard PQsendQuery(conn, sql) == 1 else { throw PostgresError(message(of: conn)) }
        var rows: [[String?]] = []
        var failure: PostgresError?
        while true {
            while PQisBusy(conn) == 1 {
                try wait(forReading: true, until: deadline, doing: "waiting for a query")
                guard PQconsumeInput(conn) == 1 else { throw PostgresError(message(of: conn)) }
            }
            guard let result = PQgetResult(conn) else { break }
            defer { PQclear(result) }
            switch PQresultStatus(result) {
            case PGRES_TUPLES_OK:
                rows = (0..<PQntuples(result)).map { row in
                    (0..<PQnfields(result)).map { column in
                        PQgetisnull(result, row, column) == 1 ? nil : String(cString: PQgetvalue(result, row, column))
                    }
                }
            case PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
                rows = []
            default:
                failure = failure ?? PostgresError(String(cString: PQresultErrorMessage(result)))
            }
        }
        if let failure { throw failure }
        return rows
    }

    /// The SCRAM-SHA-256 verifier of a password, computed here so that the clear text never
    /// reaches the server (nor its logs, whatever `log_statement` says).
    public func scramVerifier(password: String, role: String) throws(PostgresError) -> String {
        guard let encrypted = PQencryptPasswordConn(conn, password, role, "scram-sha-256") else {
            throw PostgresError(message(of: conn))
        }
        defer { PQfreemem(encrypted) }
        return String(cString: encrypted)
    }

    /// `"name"` quoted for SQL by libpq.
    public func quoteIdentifier(_ name: String) throws(PostgresError) -> String {
        guard let quoted = PQescapeIdentifier(conn, name, name.utf8.count) else {
            throw PostgresError(message(of: conn))
        }
        defer { PQfreemem(quoted) }
        return String(cString: quoted)
    }

    /// `'text'` quoted for SQL by libpq.
    public func quoteLiteral(_ text: String) throws(PostgresError) -> String {
        guard let quoted = PQescapeLiteral(conn, text, text.utf8.count) else {
            throw PostgresError(message(of: conn))
        }
        defer { PQfreemem(quoted) }
        return String(cString: quoted)
    }

    public var serverVersion: Int { Int(PQserverVersion(conn)) }

    private func wait(forReading: Bool, until deadline: ContinuousClock.Instant, doing what: String) throws(PostgresError) {
        let fd = PQsocket(conn)
        guard fd >= 0 else { throw PostgresError(message(of: conn)) }
        while true {
            let left = deadline - ContinuousClock.now
            guard left > .zero else { throw PostgresError.deadline(while: what) }
            let (seconds, attos) = left.components
            let millis = Int32(min(Int64(Int32.max), seconds * 1000 + attos / 1_000_000_000_000_000 + 1))
            var pfd = pollfd(fd: fd, events: Int16(forReading ? POLLIN : POLLOUT), revents: 0)
            let ready = poll(&pfd, 1, millis)
            if ready > 0 { return }
            if ready < 0 && errno != EINTR { throw PostgresError("poll: \(String(cString: strerror(errno)))") }
        }
    }
}

/// A libpq or server error, with the server's message.
public struct PostgresError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) {
        self.message = message.trimmingTrailingWhitespace
    }
    public var description: String { message }

    /// The server said nothing before the deadline: hung, stopped or overloaded.
    public static func deadline(while what: String) -> PostgresError {
        PostgresError("no answer within the deadline while \(what)")
    }

    public var isDeadline: Bool { message.hasPrefix("no answer within the deadline") }
}

private func message(of conn: OpaquePointer) -> String {
    String(cString: PQerrorMessage(conn))
}

/// Calls `body` with a NULL-terminated array of C strings that live for the call.
func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    let duplicates = strings.map { strdup($0) }
    defer { duplicates.forEach { free($0) } }
    let pointers = duplicates.map { UnsafePointer($0) } + [nil]
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}

extension String {
    var trimmingTrailingWhitespace: String {
        var result = self
        while let last = result.last, last.isWhitespace { result.removeLast() }
        return result
    }
}
