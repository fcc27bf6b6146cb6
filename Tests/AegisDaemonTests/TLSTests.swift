import AegisCore
import AegisSystem
import Foundation
import Testing

/// TLS everywhere (issue #3) with real clients: psql with verify-full, redis-cli --tls,
/// openssl s_client for the serial a server presents.
@Suite(.serialized) struct TLSTests {
    func caFile(_ daemon: DaemonHarness) -> String { "\(daemon.root)/certs/ca/ca.crt" }

    func psqlURL(_ daemon: DaemonHarness, _ instance: PostgresInstance, role: PostgresInstance, database: PostgresInstance,
                 sslmode: String) -> String {
        let port = daemon.config.postgres.instances[instance]!.port
        return "host=localhost port=\(port) user=\(role.defaultRole) dbname=\(database.defaultDatabase) sslmode=\(sslmode) sslrootcert=\(caFile(daemon))"
    }

    @Test func testPostgres_verifyFullWorks_plaintextAndOtherRolesAreRefused() async throws {
        let daemon = try await DaemonHarness()
        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        for instance in PostgresInstance.allCases {
            let ok = try DaemonHarness.run(
                "psql -X -A -t '\(psqlURL(daemon, instance, role: instance, database: instance, sslmode: "verify-full"))' -c 'SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()'",
                environment: ["PGPASSWORD": try daemon.password(instance.serviceID)])
            #expect(ok.status == 0 && ok.output.hasPrefix("t|TLSv1."), "\(instance): \(ok.output)")
            let plain = try DaemonHarness.run(
                "psql -X '\(psqlURL(daemon, instance, role: instance, database: instance, sslmode: "disable"))' -c 'SELECT 1'",
                environment: ["PGPASSWORD": try daemon.password(instance.serviceID)])
            #expect(plain.status != 0 && plain.output.contains("no encryption"), "\(instance): \(plain.output)")
        }
        // The backend role reaches neither the ai database nor the ai instance.
        let crossDatabase = try DaemonHarness.run(
            "psql -X '\(psqlURL(daemon, .ai, role: .backend, database: .ai, sslmode: "verify-full"))' -c 'SELECT 1'",
            environment: ["PGPASSWORD": try daemon.password(.postgresBackend)])
        #expect(crossDatabase.status != 0 && crossDatabase.output.contains("pg_hba.conf rejects connection"), "\(crossDatabase.output)")
        let ownDatabaseOtherInstance = try DaemonHarness.run(
            "psql -X '\(psqlURL(daemon, .ai, role: .backend, database: .backend, sslmode: "verify-full"))' -c 'SELECT 1'",
            environment: ["PGPASSWORD": try daemon.password(.postgresBackend)])
        #expect(ownDatabaseOtherInstance.status != 0, "\(ownDatabaseOtherInstance.output)")
        #expect(try await daemon.terminate() == 0)
    }

    @Test func testRedis_speaksOnlyTLS_onItsPort() async throws {
        let daemon = try await DaemonHarness()
        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        let auth = ["REDISCLI_AUTH": try daemon.password(.redis)]
        let port = daemon.config.redis.port
        let tls = try DaemonHarness.run("redis-cli -h localhost -p \(port) --tls --cacert '\(caFile(daemon))' --user aegisd PING", environment: auth)
        #expect(tls.output.trimmingCharacters(in: .whitespacesAndNewlines) == "PONG", "\(tls.output)")
        let plain = try DaemonHarness.run("timeout 5 redis-cli -h localhost -p \(port) --user aegisd PING", environment: auth)
        #expect(!plain.output.contains("PONG"), "\(plain.output)")
        #expect(try await daemon.terminate() == 0)
    }

    /// What connect-info prints is enough to connect, with nothing else known.
    @Test func testConnectInfo_isEnoughToConnect_andShowsSecretsOnlyWhenAsked() async throws {
        let daemon = try await DaemonHarness()
        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        let postgres = try JSONDecoder().decode(
            [String: String].self, from: Data(try daemon.aegisctl("connect-info postgres-ai --json").output.utf8))
        #expect(postgres["password"] == nil && postgres["sslmode"] == "verify-full")
        let password = try String(contentsOfFile: try #require(postgres["password_file"]), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try DaemonHarness.shell(
            "psql -X -A -t '\(try #require(postgres["url"]))' -c 'SELECT current_user'", environment: ["PGPASSWORD": password])
            == "aegis_ai_user")

        let redis = try JSONDecoder().decode(
            [String: String].self,
            from: Data(try daemon.aegisctl("connect-info redis --as backend --show-secrets --json").output.utf8))
        #expect(redis["user"] == "backend" && redis["password_file"] == nil && redis["url"]?.hasPrefix("rediss://backend@localhost:") == true)
        #expect(try DaemonHarness.shell(
            "redis-cli --tls -h \(try #require(redis["host"])) -p \(try #require(redis["port"])) --user \(try #require(redis["user"])) --cacert '\(try #require(redis["cacert"]))' SET backend:session ok",
            environment: ["REDISCLI_AUTH": try #require(redis["password"])]) == "OK")
        #expect(try daemon.aegisctl("connect-info postgres-ai --as backend").status == 1)
        #expect(try await daemon.terminate() == 0)
    }

    /// After `certs rotate`, new connections see a new serial while the servers keep their pids
    /// and a connection opened before the rotation keeps working.
    @Test func testRotation_newSerials_samePids_oldClientsKeepWorking() async throws {
        let daemon = try await DaemonHarness()
        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        let redisPort = daemon.config.redis.port
        let backendPort = daemon.config.postgres.instances[.backend]!.port
        let serialOf: (String) throws -> String = { starttls in
            try DaemonHarness.shell(
                "openssl s_client -connect localhost:\(starttls) -CAfile '\(self.caFile(daemon))' -verify_return_error </dev/null 2>/dev/null | openssl x509 -noout -serial")
        }
        let redisSerial = try serialOf("\(redisPort)")
        let postgresSerial = try serialOf("\(backendPort) -starttls postgres")
        let pids = (try daemon.service(.redis).pid, try daemon.service(.postgresBackend).pid)

        // A client connected before the rotation.
        let client = Process()
        client.executableURL = URL(fileURLWithPath: "/usr/bin/redis-cli")
        client.arguments = ["-h", "localhost", "-p", String(redisPort), "--tls", "--cacert", caFile(daemon), "--user", "aegisd"]
        client.environment = ["REDISCLI_AUTH": try daemon.password(.redis)]
        let input = Pipe()
        let output = Pipe()
        client.standardInput = input
        client.standardOutput = output
        try client.run()
        defer { client.terminate() }
        input.fileHandleForWriting.write(Data("PING\n".utf8))

        let rotated = try daemon.aegisctl("certs rotate --json")
        #expect(rotated.status == 0, "\(rotated.output)")
        #expect(try serialOf("\(redisPort)") != redisSerial)
        #expect(try serialOf("\(backendPort) -starttls postgres") != postgresSerial)
        #expect((try daemon.service(.redis).pid, try daemon.service(.postgresBackend).pid) == pids)

        input.fileHandleForWriting.write(Data("ECHO still-here\n".utf8))
        try input.fileHandleForWriting.close()
        client.waitUntilExit()
        let said = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(said.contains("PONG") && said.contains("still-here"), "\(said)")

        let status = try daemon.aegisctl("certs status --json")
        let entries = try JSONDecoder().decode([CertificateStatus].self, from: Data(status.output.utf8))
        #expect(entries.contains { $0.role == .ca } && entries.allSatisfy { $0.problem == nil && ($0.daysLeft ?? 0) > 80 })
        #expect(try await daemon.terminate() == 0)
    }
}
