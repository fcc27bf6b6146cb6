#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What `aegisctl replication bundle` writes on the primary and `aegisd config init
/// --standby-of` reads on the new host: how to reach the primary, how to verify it, and the
/// credentials to replicate with. A secret as a whole (mode 0600).
public struct ReplicationBundle: Codable, Sendable, Equatable {
    /// Bumped when a field changes meaning.
    public static let currentFormat = 1

    public var format: Int
    /// The primary's host name (or address), as its server certificates name it.
    public var primaryHost: String
    /// The primary's ports: `postgres-backend`, `postgres-ai`, `postgres-executor`, `redis`.
    public var ports: [String: Int]
    /// The primary's CA certificate (PEM).
    public var caCertificate: String
    /// The PostgreSQL replication role (the same on every instance).
    public var postgresUser: String
    public var postgresPassword: SecretText
    /// The client certificate (PEM) and key (PEM) the primary's CA issued to `postgresUser`.
    public var clientCertificate: String
    public var clientKey: SecretText
    /// The Redis user that may replicate and nothing else, when the primary runs Redis.
    public var redisUser: String?
    public var redisPassword: SecretText?
    /// The apps' passwords (the PostgreSQL login roles', the Redis app users'), by file name
    /// under `secrets/` (`ReplicationBundle.appSecretNames`): a standby keeps the same ones, so
    /// that apps log in there unchanged after a promotion.
    public var appSecrets: [String: SecretText]?

    /// The secret files of the apps' passwords a bundle may carry, and nothing else (a name
    /// from a bundle never becomes a path of its own choosing).
    public static var appSecretNames: [String] {
        PostgresInstance.allCases.map { "\($0.serviceID.rawValue).password" } + PostgresInstance.allCases.map { "redis-\($0.rawValue).password" }
    }

    enum CodingKeys: String, CodingKey {
        case format
        case primaryHost = "primary_host"
        case ports
        case caCertificate = "ca_certificate"
        case postgresUser = "postgres_user"
        case postgresPassword = "postgres_password"
        case clientCertificate = "client_certificate"
        case clientKey = "client_key"
        case redisUser = "redis_user"
        case redisPassword = "redis_password"
        case appSecrets = "app_secrets"
    }

    public init(
        primaryHost: String, ports: [String: Int], caCertificate: String, postgresUser: String, postgresPassword: SecretText,
        clientCertificate: String, clientKey: SecretText, redisUser: String?, redisPassword: SecretText?
    ) {
        self.format = Self.currentFormat
        self.primaryHost = primaryHost
        self.ports = ports
        self.caCertificate = caCertificate
        self.postgresUser = postgresUser
        self.postgresPassword = postgresPassword
        self.clientCertificate = clientCertificate
        self.clientKey = clientKey
        self.redisUser = redisUser
        self.redisPassword = redisPassword
    }

    /// The bundle as pretty JSON (one key per line, stable order).
    public func encoded() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        // Our own type always encodes.
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self) + "\n"
    }

    /// Reads a bundle; the error says what is wrong, never what a secret holds.
    public static func decode(_ text: String) throws(ReplicationBundleError) -> ReplicationBundle {
        let bundle: ReplicationBundle
        do {
            bundle = try JSONDecoder().decode(ReplicationBundle.self, from: Data(text.utf8))
        } catch DecodingError.keyNotFound(let key, _) {
            throw ReplicationBundleError("the bundle lacks \"\(key.stringValue)\"; make a new one on the primary with aegisctl replication bundle")
        } catch {
            throw ReplicationBundleError("not a replication bundle (JSON from aegisctl replication bundle on the primary)")
        }
        guard bundle.format == currentFormat else {
            throw ReplicationBundleError("bundle format \(bundle.format) is not \(currentFormat); make it with the same aegisd version")
        }
        if bundle.primaryHost.isEmpty { throw ReplicationBundleError("the bundle names no primary host") }
        for service in ServiceID.allCases where service.kind == .postgres {
            guard let port = bundle.ports[service.rawValue], (1...65535).contains(port) else {
                throw ReplicationBundleError("the bundle has no port for \(service.rawValue)")
            }
        }
        for name in (bundle.appSecrets ?? [:]).keys where !appSecretNames.contains(name) {
            throw ReplicationBundleError("the bundle's app_secrets names \"\(name)\", which is none of aegisd's password files")
        }
        guard bundle.caCertificate.contains("BEGIN CERTIFICATE"), bundle.clientCertificate.contains("BEGIN CERTIFICATE"),
              bundle.clientKey.revealed.contains("PRIVATE KEY")
        else {
            throw ReplicationBundleError("the bundle's certificates or key are not PEM")
        }
        return bundle
    }
}

/// Why a bundle cannot be used.
public struct ReplicationBundleError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
