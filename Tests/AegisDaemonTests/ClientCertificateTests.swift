import AegisCore
import AegisSystem
import Foundation
import Testing

/// The client-certificate options of `[tls]`, with real clients: PostgreSQL's
/// `clientcert=verify-full` (the certificate's CN must be the role, on top of SCRAM) and
/// Redis's `tls-auth-clients yes`. The certificates are the ones the built-in CA issued to each
/// app under `certs/clients/<app>/`.
@Suite(.serialized) struct ClientCertificateTests {
    func client(_ daemon: DaemonHarness, _ app: PostgresInstance) -> (certificate: String, key: String) {
        ("\(daemon.root)/certs/clients/\(app.rawValue)/client.crt", "\(daemon.root)/certs/clients/\(app.rawValue)/client.key")
    }

    func psql(_ daemon: DaemonHarness, instance: PostgresInstance, role: PostgresInstance, certificateOf app: PostgresInstance?) throws -> (status: Int32, output: String) {
        let port = daemon.config.postgres.instances[instance]!.port
        var conninfo = "host=localhost port=\(port) user=\(role.defaultRole) dbname=\(instance.defaultDatabase) "
            + "sslmode=verify-full sslrootcert=\(daemon.root)/certs/ca/ca.crt"
        if let app {
            conninfo += " sslcert=\(client(daemon, app).certificate) sslkey=\(client(daemon, app).key)"
        } else {
            // libpq would pick up ~/.postgresql/postgresql.crt; point it at nothing.
            conninfo += " sslcert=/nonexistent sslkey=/nonexistent"
        }
        return try DaemonHarness.run(
            "psql -X -A -t '\(conninfo)' -c 'SELECT client_dn FROM pg_stat_ssl WHERE pid = pg_backend_pid()'",
            environment: ["PGPASSWORD": try daemon.password(role.serviceID)])
    }

    @Test func testPostgresVerifyFull_needsTheRolesOwnCertificate_besidesThePassword() async throws {
        let daemon = try await DaemonHarness { $0.tls.postgresClientCert = "verify-full" }
        try daemon.start()
        try await daemon.waitUntilAllHealthy()

        let withCertificate = try psql(daemon, instance: .backend, role: .backend, certificateOf: .backend)
        #expect(withCertificate.status == 0 && withCertificate.output.contains("CN=\(PostgresInstance.backend.defaultRole)"),
                "\(withCertificate.output)")
        let without = try psql(daemon, instance: .backend, role: .backend, certificateOf: nil)
        #expect(without.status != 0, "\(without.output)")
        // The executor's certificate does not make anyone the backend's role, even with the
        // right password (PostgreSQL words the CN mismatch as the method's failure).
        let otherApps = try psql(daemon, instance: .backend, role: .backend, certificateOf: .executor)
        #expect(otherApps.status != 0 && otherApps.output.contains("authentication failed"), "\(otherApps.output)")
        #expect(try await daemon.terminate() == 0)
    }

    @Test func testRedisAuthClientsYes_refusesAHandshakeWithoutACertificate() async throws {
        let daemon = try await DaemonHarness { $0.tls.redisClientCert = "yes" }
        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        let base = "timeout 10 redis-cli -h localhost -p \(daemon.config.redis.port) --tls --cacert '\(daemon.root)/certs/ca/ca.crt' --user aegisd"
        let auth = ["REDISCLI_AUTH": try daemon.password(.redis)]

        let pair = client(daemon, .backend)
        let withCertificate = try DaemonHarness.run("\(base) --cert '\(pair.certificate)' --key '\(pair.key)' PING", environment: auth)
        #expect(withCertificate.output.contains("PONG"), "\(withCertificate.output)")
        let without = try DaemonHarness.run("\(base) PING", environment: auth)
        #expect(!without.output.contains("PONG"), "\(without.output)")
        // aegisd's own health checks use the Unix socket and do not need a certificate.
        #expect(try daemon.service(.redis).healthy)
        #expect(try await daemon.terminate() == 0)
    }
}
