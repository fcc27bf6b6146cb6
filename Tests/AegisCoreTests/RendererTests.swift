import Testing
import AegisCore

@Suite struct RendererTests {
    let layout = StateLayout(root: "/var/lib/aegis")

    @Test(arguments: [
        ("loki, version 3.1.0 (branch: release-3.1.x, revision: 935aee7)", 3),
        ("loki, version 2.8.11 (branch: HEAD, revision: 1b22f5c)", 2),
        ("something else", nil),
    ] as [(String, Int?)])
    func testLokiMajorVersion(output: String, major: Int?) {
        #expect(LokiConfigRenderer.majorVersion(fromVersionOutput: output) == major)
    }

    @Test func testLoki3_usesTsdbV13AndDeleteRequestStore_loopbackOnly_retentionOn_analyticsOff() {
        let yaml = LokiConfigRenderer(settings: LokiSettings(), layout: layout).render(majorVersion: 3)
        #expect(yaml.contains("schema: v13"))
        #expect(yaml.contains("delete_request_store: filesystem"))
        #expect(!yaml.contains("shared_store"))
        #expect(yaml.contains("http_listen_address: 127.0.0.1"))
        #expect(yaml.contains("grpc_listen_address: 127.0.0.1"))
        #expect(yaml.contains("retention_enabled: true"))
        #expect(yaml.contains("retention_period: 2160h"), "90 days")
        #expect(yaml.contains("reporting_enabled: false"))
        #expect(yaml.contains("path_prefix: /var/lib/aegis/data/loki"))
    }

    @Test func testLoki2_usesSchemaV12AndSharedStore() {
        let yaml = LokiConfigRenderer(settings: LokiSettings(), layout: layout).render(majorVersion: 2)
        #expect(yaml.contains("schema: v12"))
        #expect(yaml.contains("compactor:\n  working_directory: /var/lib/aegis/data/loki/compactor\n  retention_enabled: true\n  shared_store: filesystem"))
        #expect(!yaml.contains("delete_request_store"))
    }

    @Test func testLokiYaml_isValidIndentation_noTabs() {
        for major in [2, 3] {
            let yaml = LokiConfigRenderer(settings: LokiSettings(), layout: layout).render(majorVersion: major)
            #expect(!yaml.contains("\t"))
            for line in yaml.split(separator: "\n") where !line.hasPrefix("#") {
                let indent = line.prefix { $0 == " " }.count
                #expect(indent % 2 == 0, "\(line)")
            }
        }
    }

    @Test func testRedisConf_loopbackOnly_persistenceAsTheSeed_aclUsersWithHashedPasswords() {
        var settings = RedisSettings()
        settings.port = 6380
        let renderer = RedisConfigRenderer(settings: settings, layout: layout)
        let conf = renderer.render(adminPasswordHash: "aa11", appPasswordHashes: [.backend: "bb22", .ai: "cc33", .executor: "dd44"])
        #expect(conf.contains("bind 127.0.0.1 -::1"))
        #expect(conf.contains("port 6380"))
        #expect(conf.contains("save 900 1 300 10"))
        #expect(conf.contains("appendonly yes"))
        #expect(conf.contains("maxmemory 256mb"))
        #expect(conf.contains("maxmemory-policy allkeys-lru"))
        #expect(!conf.contains("requirepass"))
        #expect(conf.contains("user default off resetkeys resetchannels nocommands"))
        #expect(conf.contains("user aegisd on #aa11 ~* &* +@all"))
        #expect(conf.contains("user backend on #bb22 resetkeys resetchannels ~backend:* &backend:* +@all -@dangerous"))
        #expect(conf.contains("user executor on #dd44 resetkeys resetchannels ~executor:* &executor:* +@all -@dangerous"))
        #expect(conf.contains("daemonize no"))
        settings.save = ""
        #expect(RedisConfigRenderer(settings: settings, layout: layout)
            .render(adminPasswordHash: "x", appPasswordHashes: [:]).contains("save \"\""))

        // With TLS the port speaks only TLS; plaintext TCP is off.
        let tls = ServerTLSFiles(certificate: "/c/server.crt", key: "/c/server.key", ca: "/c/ca.crt", clientCertificates: "optional")
        let secured = RedisConfigRenderer(settings: settings, layout: layout, tls: tls)
            .render(adminPasswordHash: "x", appPasswordHashes: [:])
        #expect(secured.contains("port 0\ntls-port 6380\n"))
        #expect(secured.contains("tls-auth-clients optional"))
        #expect(secured.contains("tls-protocols \"TLSv1.2 TLSv1.3\""))
    }

    @Test func testPostgresFiles_peerForTheSuperuserOnly_ownRoleOwnDatabaseOverTLS() {
        var settings = PostgresInstanceSettings(instance: .ai, port: 5433)
        settings.sharedBuffers = "512MB"
        let renderer = PostgresConfigRenderer(
            instance: .ai, settings: settings, layout: layout, superuser: "aegis", daemonUser: "root")
        #expect(renderer.postgresqlConf.contains("port = 5433"))
        #expect(renderer.postgresqlConf.contains("shared_buffers = '512MB'"))
        #expect(renderer.postgresqlConf.contains("listen_addresses = '127.0.0.1, ::1'"))
        #expect(renderer.postgresqlConf.contains("unix_socket_directories = '/var/lib/aegis/run/postgres-ai'"))
        #expect(renderer.postgresqlConf.contains("ssl = off"))
        #expect(renderer.pgHbaConf.contains("local   all   aegis   peer map=aegisd"))
        #expect(renderer.pgHbaConf.contains("local   all   all   reject"))
        #expect(renderer.pgHbaConf.contains("host    aegis_ai   aegis_ai_user   127.0.0.1/32   scram-sha-256"))
        #expect(renderer.pgHbaConf.contains("host    all   all   all   reject"))
        #expect(!renderer.pgHbaConf.contains("trust"))

        let tls = ServerTLSFiles(certificate: "/c/server.crt", key: "/c/server.key", ca: "/c/ca.crt", clientCertificates: "verify-full")
        let secured = PostgresConfigRenderer(
            instance: .ai, settings: settings, layout: layout, superuser: "aegis", daemonUser: "root", tls: tls)
        #expect(secured.postgresqlConf.contains("ssl = on"))
        #expect(secured.postgresqlConf.contains("ssl_min_protocol_version = 'TLSv1.2'"))
        #expect(secured.postgresqlConf.contains("ssl_key_file = '/c/server.key'"))
        #expect(secured.pgHbaConf.contains("hostssl aegis_ai   aegis_ai_user   ::1/128   scram-sha-256 clientcert=verify-full"))
        #expect(!secured.pgHbaConf.contains("host    aegis_ai"))
        #expect(renderer.pgIdentConf.contains("aegisd   root   aegis"))
        #expect(renderer.initdbArguments.contains("--data-checksums"))
        #expect(renderer.initdbArguments.contains("--auth-host=scram-sha-256"))
    }
}
