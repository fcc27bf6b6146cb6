import AegisCore
import AegisSystem
import Foundation
import Glibc

/// Puts a bundle together from this primary's CA, certificates and secrets. The client
/// certificate is issued for the bundle (CN `aegis_replicator`, `[tls] leaf_validity_days`).
struct ReplicationBundleMaker {
    let config: AegisConfig

    func make(host requested: String?) throws(SystemError) -> ReplicationBundle {
        guard !config.replication.isStandby else {
            throw SystemError("this host is a standby ([replication] role = \"standby\"); make the bundle on the primary")
        }
        guard config.tls.enabled else {
            throw SystemError("replication runs over TLS only: set [tls] enabled = true, restart aegisd, then make the bundle")
        }
        guard !config.tls.usesOperatorCertificates else {
            throw SystemError("[tls] operator_dir is set: aegisd holds no CA key to issue the standby's client certificate; "
                + "issue one for CN \(ReplicationCredentials.postgresRole) with your CA")
        }
        guard let host = requested ?? HostName.current(), !host.isEmpty else {
            throw SystemError("this host's name cannot be read; give the name standbys dial with --host NAME")
        }
        try checkCertificateNames(host)
        let certificates = CertificateLayout(config.layout)
        let authority = try CertificateAuthority.load(certificates.ca)
        guard let caPEM = try FileSystem.read(certificates.ca.certificate) else {
            throw SystemError("\(certificates.ca.certificate) is missing; start aegisd once to create the CA")
        }
        let key: PrivateKey
        let certificate: Certificate
        do {
            key = try PrivateKey.generateP256()
            certificate = try authority.issueClient(
                commonName: ReplicationCredentials.postgresRole, key: key,
                validity: .days(config.tls.leafValidityDays, from: .now))
        } catch {
            throw SystemError("cannot issue the replication client certificate: \(error)")
        }
        var ports: [String: Int] = [:]
        for service in ServiceID.allCases where service != .loki && config.isEnabled(service) {
            ports[service.rawValue] = config.port(of: service)
        }
        let redis = config.redis.enabled
        do {
            var bundle = ReplicationBundle(
                primaryHost: host, ports: ports, caCertificate: caPEM, postgresUser: ReplicationCredentials.postgresRole,
                postgresPassword: SecretText(try SecretFile.readOrCreate(ReplicationCredentials.primaryPostgresPassword(config.layout))),
                clientCertificate: try certificate.pemEncoded(), clientKey: SecretText(try key.pemEncoded()),
                redisUser: redis ? ReplicationCredentials.redisUser : nil,
                redisPassword: redis ? SecretText(try SecretFile.readOrCreate(ReplicationCredentials.primaryRedisPassword(config.layout))) : nil)
            bundle.appSecrets = try appSecrets()
            return bundle
        } catch let error as SystemError {
            throw error
        } catch {
            throw SystemError("cannot encode the bundle's certificate: \(error)")
        }
    }

    /// The apps' passwords, from the files the servers here use (configured or default), named
    /// as the standby's default files: it keeps them, so apps log in there after a promotion.
    private func appSecrets() throws(SystemError) -> [String: SecretText] {
        var secrets: [String: SecretText] = [:]
        for instance in PostgresInstance.allCases {
            let service = instance.serviceID
            if config.isEnabled(service) {
                secrets["\(service.rawValue).password"] = SecretText(try SecretFile.readOrCreate(config.passwordFile(of: service)))
            }
            if config.redis.enabled {
                secrets["redis-\(instance.rawValue).password"] = SecretText(try SecretFile.readOrCreate(config.layout.redisPasswordFile(of: instance)))
            }
        }
        return secrets
    }

    /// A standby verifies the primary by name (`sslmode=verify-full`): the name must be in the
    /// server certificates, or every connection would fail later, far from the cause.
    private func checkCertificateNames(_ host: String) throws(SystemError) {
        let path = CertificateLayout(config.layout).server(.postgresBackend).certificate
        guard let pem = try FileSystem.read(path) else {
            throw SystemError("\(path) is missing; start aegisd once to issue the server certificates")
        }
        let names: [String]
        do { names = try Certificate(pem: pem).info.subjectAltNames } catch { throw SystemError("\(path): \(error)") }
        guard names.contains(where: { $0.lowercased() == host.lowercased() }) else {
            throw SystemError("\(host) is not among the names of this host's server certificates (\(names.joined(separator: ", "))), "
                + "so a standby could not verify it: add \"\(host)\" to [tls] extra_names, run aegisctl reload "
                + "(the certificates are re-issued), then make the bundle again; or give --host one of those names")
        }
    }
}
