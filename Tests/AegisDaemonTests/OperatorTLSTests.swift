import AegisCore
import AegisSystem
import Foundation
import Glibc
import Testing

/// CA-signed certificates supplied by the operator (`[tls] operator_dir`): the servers use
/// them as they are, clients verify them with the operator's CA, `certs rotate` re-checks them
/// and reloads without restarting anything, and a bad file stops the start with what to fix.
@Suite(.serialized) struct OperatorTLSTests {
    /// The operator's tree, issued by their own CA, keys owned by the service user.
    static func writeTree(at root: String) throws -> CertificateLayout {
        var config = AegisConfig.defaults(stateDir: "/unused")
        config.tls.operatorDir = root
        let layout = CertificateLayout(config)
        let now = UTCTimestamp(secondsSinceEpoch: Int64(Date().timeIntervalSince1970))
        let ca = try CertificateAuthority.create(commonName: "Example Corp Root", validity: .days(3650, from: now.adding(seconds: -86_400)))
        try FileManager.default.createDirectory(atPath: layout.caDirectory, withIntermediateDirectories: true)
        try FileSystem.writeAtomically(layout.ca.certificate, contents: try ca.certificate.pemEncoded(), mode: 0o644)
        let account = try ServiceAccount.forChildren(configuredUser: config.daemon.user)
        for service in ServiceID.allCases where service.kind != .loki {
            let pair = layout.server(service)
            try FileManager.default.createDirectory(
                atPath: (pair.certificate as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            let key = try PrivateKey.generateP256()
            let certificate = try ca.issueServer(
                commonName: "\(service.rawValue).example.com", subjectAltNames: ["localhost", "127.0.0.1"], key: key,
                validity: .days(365, from: now.adding(seconds: -3600)))
            try FileSystem.writeAtomically(pair.certificate, contents: try certificate.pemEncoded(), mode: 0o644)
            try FileSystem.writeAtomically(pair.key, contents: try key.pemEncoded(), mode: 0o600)
            #expect(chown(pair.key, account.uid, account.gid) == 0)
        }
        // The tree must be reachable by the service user, as /etc/ssl-like trees are.
        try DaemonHarness.shell("chmod -R a+rX '\(root)' && chmod 600 '\(root)'/*/server.key '\(root)'/postgres/*/server.key 2>/dev/null || true")
        return layout
    }

    @Test func testOperatorCertificates_areServed_verified_andRecheckedWithoutARestart() async throws {
        let tree = "/tmp/aegis-operator-tree-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: tree) }
        let layout = try Self.writeTree(at: tree)
        let daemon = try await DaemonHarness { $0.tls.operatorDir = tree }
        try daemon.start()
        try await daemon.waitUntilAllHealthy()

        // Clients verify the servers with the operator's CA; aegisd made no CA of its own.
        let port = daemon.config.postgres.instances[.backend]!.port
        let psql = try DaemonHarness.run(
            "psql -X -A -t 'host=localhost port=\(port) user=\(PostgresInstance.backend.defaultRole) dbname=\(PostgresInstance.backend.defaultDatabase) sslmode=verify-full sslrootcert=\(layout.ca.certificate)' -c 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()'",
            environment: ["PGPASSWORD": try daemon.password(.postgresBackend)])
        #expect(psql.status == 0 && psql.output.hasPrefix("t"), "\(psql.output)")
        let redis = try DaemonHarness.run(
            "redis-cli -h localhost -p \(daemon.config.redis.port) --tls --cacert '\(layout.ca.certificate)' --user aegisd PING",
            environment: ["REDISCLI_AUTH": try daemon.password(.redis)])
        #expect(redis.output.contains("PONG"), "\(redis.output)")
        #expect(!FileManager.default.fileExists(atPath: "\(daemon.root)/certs/ca/ca.key"))

        let status = try daemon.aegisctl("certs status --json")
        let entries = try JSONDecoder().decode([CertificateStatus].self, from: Data(status.output.utf8))
        #expect(entries.first { $0.role == .server(.postgresBackend) }?.certificatePath == layout.server(.postgresBackend).certificate)
        #expect(entries.allSatisfy { $0.problem == nil }, "\(entries)")

        // Rotation re-checks the operator's files and reloads; nothing is written or restarted.
        let pids = (try daemon.service(.redis).pid, try daemon.service(.postgresBackend).pid)
        let before = try DaemonHarness.shell("find '\(tree)' -type f -exec sha256sum {} + | sort")
        let rotate = try daemon.aegisctl("certs rotate")
        #expect(rotate.status == 0 && rotate.output.contains("were not changed"), "\(rotate.output)")
        #expect(try DaemonHarness.shell("find '\(tree)' -type f -exec sha256sum {} + | sort") == before)
        #expect((try daemon.service(.redis).pid, try daemon.service(.postgresBackend).pid) == pids)

        // A replaced key that does not match is refused, and the servers keep what they had.
        try FileManager.default.removeItem(atPath: layout.server(.postgresBackend).key)
        try FileManager.default.copyItem(atPath: layout.server(.redis).key, toPath: layout.server(.postgresBackend).key)
        let refused = try daemon.aegisctl("certs rotate")
        #expect(refused.status != 0 && refused.output.contains("does not match the certificate"), "\(refused.output)")
        #expect(try daemon.service(.postgresBackend).pid == pids.1)
        #expect(try await daemon.terminate() == 0)
    }

    @Test func testABadOperatorCertificate_stopsTheStart_withWhatToFix() async throws {
        let tree = "/tmp/aegis-operator-tree-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: tree) }
        let layout = try Self.writeTree(at: tree)
        try FileManager.default.removeItem(atPath: layout.server(.postgresAI).key)
        try FileManager.default.copyItem(atPath: layout.server(.redis).key, toPath: layout.server(.postgresAI).key)
        let daemon = try await DaemonHarness { $0.tls.operatorDir = tree }
        try daemon.start()
        let status = try await daemon.waitForExit(timeout: .seconds(30))
        #expect(status == 2, "exit status \(status)")  // a configuration error
        #expect(daemon.log.contains("tls.operator_dir"), "\(daemon.log)")
        #expect(daemon.log.contains("the key \(layout.server(.postgresAI).key) does not match the certificate"), "\(daemon.log)")
    }
}
