import AegisCore
import AegisSystem
import Foundation
import Glibc
import Testing

/// Clients on other hosts, as far as one machine can show it: postgres-backend listens on this
/// host's own non-loopback address, admits that address as its client network over TLS, and a
/// real psql verifies the server at that address (`sslmode=verify-full`, so the address must be
/// in the certificate). Another network namespace and systemd's filter are `make test-system`'s.
@Suite(.serialized) struct RemoteClientTests {
    /// The first IPv4 address of an interface that is up and not loopback, or nil.
    static let hostAddress: String? = {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0 else { return nil }
        defer { freeifaddrs(list) }
        var cursor = list
        while let entry = cursor {
            defer { cursor = entry.pointee.ifa_next }
            let flags = Int32(entry.pointee.ifa_flags)
            guard let address = entry.pointee.ifa_addr, address.pointee.sa_family == sa_family_t(AF_INET),
                  flags & Int32(IFF_UP) != 0, flags & Int32(IFF_LOOPBACK) == 0
            else { continue }
            var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
            let found = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { inet in
                var raw = inet.pointee.sin_addr
                return inet_ntop(AF_INET, &raw, &text, socklen_t(text.count)) != nil
            }
            if found { return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) }
        }
        return nil
    }()

    @Test(.enabled(if: hostAddress != nil, "this machine has no non-loopback IPv4 address to listen on"))
    func testPostgres_onTheHostsAddress_verifyFullForTheClientNetwork_onlyTheOwnRole() async throws {
        let address = try #require(Self.hostAddress)
        let daemon = try await DaemonHarness { config in
            config.postgres.instances[.backend]!.listenAddresses = ["127.0.0.1", address]
            config.postgres.instances[.backend]!.clientNetworks = ["\(address)/32"]
        }
        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        let ca = "\(daemon.root)/certs/ca/ca.crt"
        func psql(_ instance: PostgresInstance, as role: PostgresInstance, sslmode: String = "verify-full") throws -> (status: Int32, output: String) {
            let port = daemon.config.postgres.instances[instance]!.port
            return try DaemonHarness.run(
                "PGCONNECT_TIMEOUT=10 psql -X -A -t 'host=\(address) port=\(port) user=\(role.defaultRole) dbname=\(role.defaultDatabase) sslmode=\(sslmode) sslrootcert=\(ca)' "
                    + "-c 'SELECT current_user, host(inet_client_addr()), ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()'",
                environment: ["PGPASSWORD": try daemon.password(role.serviceID)])
        }
        let remote = try psql(.backend, as: .backend)
        #expect(remote.status == 0 && remote.output.trimmingCharacters(in: .whitespacesAndNewlines)
            == "aegis_backend_user|\(address)|t", "\(remote.output)")
        // Plaintext from the client network finds no pg_hba line.
        let plain = try psql(.backend, as: .backend, sslmode: "disable")
        #expect(plain.status != 0 && plain.output.contains("no encryption"), "\(plain.output)")
        // postgres-ai kept its loopback default: nothing listens there on this address.
        let loopbackOnly = try psql(.ai, as: .ai)
        #expect(loopbackOnly.status != 0 && loopbackOnly.output.contains("Connection refused"), "\(loopbackOnly.output)")
        // The certificate names the address (verify-full passed); the other servers' do too.
        let names = try DaemonHarness.shell(
            "openssl x509 -noout -ext subjectAltName -in '\(daemon.root)/certs/redis/server.crt'")
        #expect(names.contains("IP Address:\(address)"), "\(names)")
        #expect(try await daemon.terminate() == 0)
    }

    /// A reload that opens postgres-backend to the client network restarts only that instance;
    /// Redis keeps its pid and serves the re-issued certificate (which now names the address)
    /// without a restart.
    @Test(.enabled(if: hostAddress != nil, "this machine has no non-loopback IPv4 address to listen on"))
    func testReload_opensOneInstance_theOthersLoadTheRenamedCertificateWithoutARestart() async throws {
        let address = try #require(Self.hostAddress)
        let daemon = try await DaemonHarness()
        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        let ca = "\(daemon.root)/certs/ca/ca.crt"
        let redisPort = daemon.config.redis.port
        let redisNames = {
            try DaemonHarness.shell(
                "openssl s_client -connect localhost:\(redisPort) -CAfile '\(ca)' -verify_return_error </dev/null 2>/dev/null | openssl x509 -noout -ext subjectAltName")
        }
        #expect(!(try redisNames()).contains("IP Address:\(address)"))
        let redisPid = try daemon.service(.redis).pid

        try daemon.rewriteConfig {
            $0.postgres.instances[.backend]!.listenAddresses = ["127.0.0.1", address]
            $0.postgres.instances[.backend]!.clientNetworks = ["\(address)/32"]
        }
        let reload = try daemon.aegisctl("reload")
        #expect(reload.status == 0 && reload.output.contains("restarting postgres-backend"), "\(reload.output)")
        try await daemon.waitUntilAllHealthy()
        #expect(try daemon.service(.redis).pid == redisPid)
        #expect(try redisNames().contains("IP Address:\(address)"))
        let port = daemon.config.postgres.instances[.backend]!.port
        let remote = try DaemonHarness.run(
            "PGCONNECT_TIMEOUT=10 psql -X -A -t 'host=\(address) port=\(port) user=aegis_backend_user dbname=aegis_backend sslmode=verify-full sslrootcert=\(ca)' -c 'SELECT current_user'",
            environment: ["PGPASSWORD": try daemon.password(.postgresBackend)])
        #expect(remote.status == 0 && remote.output.contains("aegis_backend_user"), "\(remote.output)")
        #expect(try await daemon.terminate() == 0)
    }
}
