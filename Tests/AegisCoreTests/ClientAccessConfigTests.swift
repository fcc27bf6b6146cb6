import Testing
import AegisCore

/// Clients on other hosts: listen addresses, client networks, pg_hba, redis.conf, certificate
/// names and what the systemd unit must let in.
@Suite struct ClientAccessConfigTests {
    private func config(_ change: (inout AegisConfig) -> Void) -> AegisConfig {
        var config = AegisConfig.defaults()
        change(&config)
        return config
    }

    private func issues(_ change: (inout AegisConfig) -> Void) -> [ConfigIssue] {
        ConfigValidator.validate(config(change))
    }

    @Test func testDefaults_loopbackOnly_nothingToAllow_noWarnings() {
        let defaults = AegisConfig.defaults()
        #expect(defaults.postgres.instances[.backend]!.listenAddresses == ["127.0.0.1", "::1"])
        #expect(defaults.redis.bind == ["127.0.0.1", "::1"])
        #expect(defaults.unitDropIn.isEmpty)
        #expect(defaults.clientAccessWarnings.isEmpty)
        #expect(defaults.serverCertificateNames.isEmpty)
    }

    @Test(arguments: [
        // (listen addresses, client networks, the issues' paths)
        (["127.0.0.1", "10.20.0.5"], ["10.20.0.0/16"], []),
        (["*"], ["10.20.0.0/16", "fd00:20::/48"], []),
        (["0.0.0.0", "::"], ["10.20.0.7"], []),
        (["127.0.0.1", "db.internal"], [], ["postgres.backend.listen_addresses[1]"]),
        (["localhost"], [], ["postgres.backend.listen_addresses[0]"]),
        ([], [], ["postgres.backend.listen_addresses"]),
        (["10.20.0.5"], ["10.20.0.5/16"], ["postgres.backend.client_networks[0]"]),
        (["10.20.0.5"], ["10.20.0.0/16", "lan"], ["postgres.backend.client_networks[1]"]),
        // Networks while listening on loopback only: nobody could connect.
        (["127.0.0.1", "::1"], ["10.20.0.0/16"], ["postgres.backend.client_networks"]),
    ] as [([String], [String], [String])])
    func testPostgresListenAddressesAndNetworks(addresses: [String], networks: [String], paths: [String]) {
        #expect(issues {
            $0.postgres.instances[.backend]!.listenAddresses = addresses
            $0.postgres.instances[.backend]!.clientNetworks = networks
        }.map(\.path) == paths)
    }

    @Test func testBadValues_sayWhatToWrite() {
        #expect(issues { $0.redis.bind = ["cache.internal"] } == [ConfigIssue(
            path: "redis.bind[0]",
            reason: "\"cache.internal\" is not an IP address (like 127.0.0.1, ::1 or this host's 10.20.0.5) or \"*\" for every interface; "
                + "host names are not accepted, so what the server binds never depends on name resolution")])
        #expect(issues {
            $0.postgres.instances[.ai]!.listenAddresses = ["10.20.0.5"]
            $0.postgres.instances[.ai]!.clientNetworks = ["10.20.0.9/16"]
        } == [ConfigIssue(
            path: "postgres.ai.client_networks[0]",
            reason: "\"10.20.0.9/16\" has host bits set after /16; did you mean 10.20.0.0/16 (the whole network) or 10.20.0.9/32 (that one host)?")])
        #expect(issues { $0.redis.clientNetworks = ["10.20.0.0/16"] } == [ConfigIssue(
            path: "redis.client_networks",
            reason: "no client on another host can connect while redis.bind is loopback only (127.0.0.1, ::1); "
                + "add this host's address on the clients' network to redis.bind")])
    }

    @Test func testBeyondLoopback_needsTLS_andNoRedisPlaintextPort() {
        #expect(issues {
            $0.tls.enabled = false
            $0.postgres.instances[.executor]!.listenAddresses = ["10.20.0.5"]
            $0.postgres.instances[.executor]!.clientNetworks = ["10.20.0.0/16"]
            $0.redis.bind = ["*"]
        }.map(\.path) == ["postgres.executor.listen_addresses", "redis.bind"])
        #expect(issues {
            $0.tls.redisPlaintextPort = 6380
            $0.redis.bind = ["127.0.0.1", "10.20.0.5"]
            $0.redis.clientNetworks = ["10.20.0.0/16"]
        } == [ConfigIssue(
            path: "tls.redis_plaintext_port",
            reason: "Redis would speak plaintext on port 6380 at 10.20.0.5 (redis.bind); set it to 0 or bind Redis to loopback only")])
        // On loopback a plaintext port and TLS off stay allowed, as before.
        #expect(issues { $0.tls.redisPlaintextPort = 6380 }.isEmpty)
        #expect(issues { $0.tls.enabled = false }.isEmpty)
        // A disabled service's keys do not matter.
        #expect(issues {
            $0.tls.enabled = false
            $0.redis.enabled = false
            $0.redis.bind = ["10.20.0.5"]
        }.isEmpty)
    }

    @Test func testPgHba_hostsslScramPerNetwork_clientCertificatesWhenRequired_neverPlainHost() {
        var settings = PostgresInstanceSettings(instance: .backend, port: 5432)
        settings.listenAddresses = ["127.0.0.1", "10.20.0.5"]
        settings.clientNetworks = ["10.20.0.0/16", "FD00:20::/48", "10.30.0.9"]
        let layout = StateLayout(root: "/var/lib/aegis")
        for mode in ["off", "verify-full"] {
            let tls = ServerTLSFiles(certificate: "/c/s.crt", key: "/c/s.key", ca: "/c/ca.crt", clientCertificates: mode)
            let renderer = PostgresConfigRenderer(
                instance: .backend, settings: settings, layout: layout, superuser: "aegis", daemonUser: "aegis", tls: tls)
            let suffix = mode == "verify-full" ? " clientcert=verify-full" : ""
            #expect(renderer.pgHbaConf == """
                # Generated by aegisd for postgres-backend; edits are overwritten at every start.
                # TYPE  DATABASE  USER  ADDRESS  METHOD
                local   all   aegis   peer map=aegisd
                local   all   all   reject
                hostssl aegis_backend   aegis_backend_user   127.0.0.1/32   scram-sha-256\(suffix)
                hostssl aegis_backend   aegis_backend_user   ::1/128   scram-sha-256\(suffix)
                hostssl aegis_backend   aegis_backend_user   10.20.0.0/16   scram-sha-256\(suffix)
                hostssl aegis_backend   aegis_backend_user   fd00:20::/48   scram-sha-256\(suffix)
                hostssl aegis_backend   aegis_backend_user   10.30.0.9/32   scram-sha-256\(suffix)
                host    all   all   all   reject

                """)
            #expect(renderer.postgresqlConf.contains("listen_addresses = '127.0.0.1, 10.20.0.5'\n"))
        }
        // Without TLS (which the validator refuses) no line admits another network, in plaintext or not.
        let plain = PostgresConfigRenderer(
            instance: .backend, settings: settings, layout: layout, superuser: "aegis", daemonUser: "aegis")
        #expect(!plain.pgHbaConf.contains("10.20.0.0/16") && !plain.pgHbaConf.contains("trust"))
    }

    @Test(arguments: [
        (["127.0.0.1", "::1"], "bind 127.0.0.1 -::1\n"),
        (["127.0.0.1", "::1", "10.20.0.5"], "bind 127.0.0.1 -::1 10.20.0.5\n"),
        (["*"], "bind *\n"),
        (["10.20.0.5", "fd00:20::5"], "bind 10.20.0.5 fd00:20::5\n"),
    ] as [([String], String)])
    func testRedisBind(addresses: [String], line: String) {
        var settings = RedisSettings()
        settings.bind = addresses
        let conf = RedisConfigRenderer(settings: settings, layout: StateLayout(root: "/s"))
            .render(adminPasswordHash: "aa", appPasswordHashes: [:])
        #expect(conf.contains("\n" + line))
        #expect(conf.contains("protected-mode yes"))
    }

    @Test func testCertificateNames_extraNamesThenSpecificListenAddresses_oncePerAddress() {
        let remote = config {
            $0.tls.extraNames = ["db.example.internal"]
            $0.postgres.instances[.backend]!.listenAddresses = ["127.0.0.1", "10.20.0.5", "*"]
            $0.postgres.instances[.ai]!.listenAddresses = ["127.0.0.2", "10.20.0.5", "FD00:20::0005"]
            $0.redis.bind = ["0.0.0.0", "10.30.0.5"]
            // A disabled instance's addresses are not named.
            $0.postgres.instances[.executor]!.enabled = false
            $0.postgres.instances[.executor]!.listenAddresses = ["10.99.0.1"]
        }
        #expect(remote.serverCertificateNames == ["db.example.internal", "10.20.0.5", "fd00:20::5", "10.30.0.5"])
    }

    @Test func testUnitDropIn_theClientNetworksOfServicesListeningBeyondLoopback() {
        let remote = config {
            $0.postgres.instances[.backend]!.listenAddresses = ["127.0.0.1", "10.20.0.5"]
            $0.postgres.instances[.backend]!.clientNetworks = ["10.20.0.0/16"]
            $0.postgres.instances[.ai]!.listenAddresses = ["*"]
            $0.postgres.instances[.ai]!.clientNetworks = ["10.20.0.0/16", "fd00:20::/48"]
            $0.redis.bind = ["10.20.0.5"]
            $0.redis.clientNetworks = ["10.20.0.0/16"]
        }
        #expect(remote.unitDropIn.text == """
            [Service]
            # postgres-backend clients (postgres.backend.client_networks); postgres-ai clients (postgres.ai.client_networks); redis clients (redis.client_networks)
            IPAddressAllow=10.20.0.0/16
            # postgres-ai clients (postgres.ai.client_networks)
            IPAddressAllow=fd00:20::/48

            """)
        #expect(remote.clientAccessWarnings.map(\.path) == ["postgres.ai.listen_addresses", "redis.bind"])
        #expect(remote.clientAccessWarnings[0].reason.hasPrefix("\"*\" listens on every interface of this host: port 5433 is exposed"))
        #expect(remote.clientAccessWarnings[1].reason.hasPrefix("Redis has no per-network access list"))
    }

    @Test func testListeningBeyondLoopbackWithoutNetworks_isAWarning() {
        let lonely = config { $0.postgres.instances[.ai]!.listenAddresses = ["10.20.0.5"] }
        #expect(lonely.unitDropIn.isEmpty)
        #expect(lonely.clientAccessWarnings == [ConfigIssue(
            path: "postgres.ai.client_networks",
            reason: "is empty, so no client on another host can use postgres-ai although postgres.ai.listen_addresses "
                + "reaches beyond loopback; list the clients' networks (CIDR)")])
    }

    @Test func testReload_aChangedListenAddressRestartsThatServiceOnly() {
        let base = AegisConfig.defaults()
        let plan = ReloadPlan(old: base, new: config {
            $0.postgres.instances[.ai]!.listenAddresses = ["127.0.0.1", "10.20.0.5"]
            $0.postgres.instances[.ai]!.clientNetworks = ["10.20.0.0/16"]
        })
        #expect(plan.restart == [.postgresAI] && plan.needsDaemonRestart.isEmpty)
        #expect(ReloadPlan(old: base, new: config { $0.redis.bind = ["127.0.0.1"] }).restart == [.redis])
    }
}
