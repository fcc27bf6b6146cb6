/// Who may scrape `/metrics`: anyone who reaches the port, or a scraper that sends the bearer
/// token or the basic-authentication credentials of `[metrics]`.
public enum MetricsAccess: Sendable, Equatable {
    case open
    case bearer(BearerToken)
    case basic(BasicCredentials)

    /// True when a request with this `Authorization` header value may have the metrics.
    public func admits(authorization: String?) -> Bool {
        switch self {
        case .open: true
        case .bearer(let token): token.admits(authorization)
        case .basic(let credentials): credentials.admits(authorization)
        }
    }

    /// The `WWW-Authenticate` value of a 401 answer (RFC 9110 §11.6.1).
    public var challenge: String {
        switch self {
        case .open, .bearer: "Bearer realm=\"aegisd\""
        case .basic: "Basic realm=\"aegisd\", charset=\"UTF-8\""
        }
    }

    /// The body of a 401 answer: which setting the scraper is missing.
    public var refusal: String {
        switch self {
        case .open, .bearer: "a bearer token is required ([metrics] bearer_token_file)\n"
        case .basic: "basic authentication is required ([metrics] basic_auth_user)\n"
        }
    }
}
