/// The five services aegisd supervises. The raw value is the name used everywhere an operator
/// sees one: config sections, `aegisctl`, status JSON, journald's `AEGIS_SERVICE`.
public enum ServiceID: String, CaseIterable, Sendable, Hashable, Codable, Comparable {
    case postgresBackend = "postgres-backend"
    case postgresAI = "postgres-ai"
    case postgresExecutor = "postgres-executor"
    case redis
    case loki

    /// The kind decides which driver runs the service.
    public var kind: ServiceKind {
        switch self {
        case .postgresBackend, .postgresAI, .postgresExecutor: .postgres
        case .redis: .redis
        case .loki: .loki
        }
    }

    /// The PostgreSQL instance behind this service, if it is one.
    public var postgresInstance: PostgresInstance? {
        switch self {
        case .postgresBackend: .backend
        case .postgresAI: .ai
        case .postgresExecutor: .executor
        case .redis, .loki: nil
        }
    }

    /// Start waves: everything in one wave starts in parallel; waves start in order and stop in
    /// reverse. Loki comes last so that it can receive the others' logs from their first line.
    public var startWave: Int {
        switch kind {
        case .postgres, .redis: 0
        case .loki: 1
        }
    }

    public static func < (lhs: ServiceID, rhs: ServiceID) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// What program a service runs.
public enum ServiceKind: String, Sendable, Hashable, Codable {
    case postgres
    case redis
    case loki
}

/// The platform's three PostgreSQL instances, each with its own data directory and port.
public enum PostgresInstance: String, CaseIterable, Sendable, Hashable, Codable {
    case backend
    case ai
    case executor

    public var serviceID: ServiceID {
        switch self {
        case .backend: .postgresBackend
        case .ai: .postgresAI
        case .executor: .postgresExecutor
        }
    }

    /// The database the platform's apps expect in this instance (`aegis_backend`, …).
    public var defaultDatabase: String { "aegis_\(rawValue)" }
    /// The application role the platform's apps log in as (`aegis_backend_user`, …).
    public var defaultRole: String { "aegis_\(rawValue)_user" }
}
