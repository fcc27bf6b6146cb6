/// `aegisctl connect-info`: what an app needs to reach a service, over TLS with the CA's
/// certificate. Pure: the caller supplies the password when secrets were asked for.
public enum ConnectionInfo {
    /// Why the request cannot be answered (an unknown app, `--as` on PostgreSQL).
    public struct Problem: Error, Sendable, Equatable {
        public let message: String
    }

    /// The keys for `service`. `password` (nil: give the file instead) comes from the caller.
    public static func describe(
        _ service: ServiceID, as app: String?, config: AegisConfig, password: String?
    ) throws(Problem) -> [String: String] {
        let ca = CertificateLayout(config).ca.certificate
        let tls = config.tls.enabled
        var info: [String: String] = ["host": "localhost"]
        switch service.kind {
        case .postgres:
            let instance = service.postgresInstance!
            if let app, app != instance.rawValue {
                throw Problem(message: "\(service.rawValue) admits only its own app (\(instance.rawValue)); --as applies to redis")
            }
            let settings = config.postgres.instances[instance]!
            info["port"] = String(settings.port)
            info["user"] = settings.user
            info["database"] = settings.database
            info["password_file"] = config.passwordFile(of: service)
            let sslmode = tls ? "verify-full" : "disable"
            info["sslmode"] = sslmode
            if tls { info["sslrootcert"] = ca }
            info["url"] = "postgresql://\(settings.user)@localhost:\(settings.port)/\(settings.database)?sslmode=\(sslmode)"
                + (tls ? "&sslrootcert=\(ca)" : "")
        case .redis:
            let user: String
            let passwordFile: String
            if let app {
                guard let instance = PostgresInstance(rawValue: app) else {
                    throw Problem(message: "no Redis user for \"\(app)\"; --as takes backend, ai or executor")
                }
                user = RedisACL.appUser(instance)
                passwordFile = config.layout.redisPasswordFile(of: instance)
                info["key_prefix"] = RedisACL.prefix(instance)
            } else {
                user = RedisACL.adminUser
                passwordFile = config.passwordFile(of: .redis)
            }
            info["port"] = String(config.redis.port)
            info["user"] = user
            info["password_file"] = passwordFile
            info["tls"] = tls ? "true" : "false"
            if tls { info["cacert"] = ca }
            info["url"] = "\(tls ? "rediss" : "redis")://\(user)@localhost:\(config.redis.port)/0"
        case .loki:
            info["port"] = String(config.loki.httpPort)
            info["url"] = "http://localhost:\(config.loki.httpPort)"
        }
        if let password, info["password_file"] != nil {
            info["password"] = password
            info["password_file"] = nil
        }
        return info
    }

    /// The secret file `describe` names for `service` and `app` (what to read for --show-secrets).
    public static func passwordFile(_ service: ServiceID, as app: String?, config: AegisConfig) -> String? {
        (try? describe(service, as: app, config: config, password: nil))?["password_file"]
    }
}
