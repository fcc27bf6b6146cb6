import CLibPQ

/// `PQpingParams`: libpq's own verdict on a server, before any query. It tells apart a server
/// that is not there from one that answers but refuses connections (starting up, shutting
/// down, in crash recovery), which makes a far better reason in `aegisctl status` than a
/// generic connection error. It blocks for at most `connect_timeout` seconds, which libpq
/// rounds up to 2; callers run it on a blocking thread.
public enum PostgresPing: Sendable, Equatable {
    case accepting
    case rejecting
    case noResponse
    case badParameters

    public init(parameters: [String: String], timeout: Duration) {
        var parameters = parameters
        parameters["connect_timeout"] = String(max(2, timeout.components.seconds))
        let keys = parameters.keys.sorted()
        let result = withCStrings(keys) { keyPointers in
            withCStrings(keys.map { parameters[$0]! }) { valuePointers in
                PQpingParams(keyPointers, valuePointers, 0)
            }
        }
        switch result {
        case PQPING_OK: self = .accepting
        case PQPING_REJECT: self = .rejecting
        case PQPING_NO_RESPONSE: self = .noResponse
        default: self = .badParameters
        }
    }

    /// Why the server is not usable, or nil when it accepts connections.
    public var problem: String? {
        switch self {
        case .accepting: nil
        case .rejecting: "the server rejects connections (starting up, shutting down or in crash recovery)"
        case .noResponse: "the server does not respond"
        case .badParameters: "libpq rejected the connection parameters (a bug in aegisd)"
        }
    }
}
