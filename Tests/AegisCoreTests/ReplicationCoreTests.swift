@testable import AegisCore
import Testing

/// `[replication]`: what each role renders, what the validator refuses, the bundle's checks.
@Suite struct ReplicationCoreTests {
    let layout = StateLayout(root: "/var/lib/aegis")
    let tls = ServerTLSFiles(certificate: "/c/server.crt", key: "/c/server.key", ca: "/c/ca.crt", clientCertificates: "off")

    func standbyConfig() -> AegisConfig {
        var config = AegisConfig.defaults(stateDir: "/var/lib/aegis")
        config.replication.role = "standby"
        config.replication.primaryHost = "db1.example.com"
        config.replication.slotName = "standby_db2"
        for (service, port) in [(ServiceID.postgresBackend, 5432), (.postgresAI, 5433), (.postgresExecutor, 5434), (.redis, 6379)] {
            config.replication.setPrimaryPort(port, of: service)
        }
        return config
    }

    func renderer(_ config: AegisConfig, tls: ServerTLSFiles?) -> PostgresConfigRenderer {
        PostgresConfigRenderer(
            instance: .backend, settings: config.postgres.instances[.backend]!, layout: layout, superuser: "aegis",
            daemonUser: "root", tls: tls, replication: PostgresReplication.of(.backend, config: config, applicationName: "standby_db2"))
    }

    @Test func aPrimaryAdmitsTheReplicationRoleOnlyOverTLSWithACertificate_fromLoopbackAndItsNetworks() {
        var config = AegisConfig.defaults()
        config.replication.standbyNetworks = ["10.20.0.0/16", "127.0.0.1/32"]
        let hba = renderer(config, tls: tls).pgHbaConf
        let lines = hba.split(separator: "\n").filter { $0.contains("replication") }
        #expect(lines == [
            "hostssl replication   aegis_replicator   127.0.0.1/32   scram-sha-256 clientcert=verify-full",
            "hostssl replication   aegis_replicator   ::1/128   scram-sha-256 clientcert=verify-full",
            "hostssl replication   aegis_replicator   10.20.0.0/16   scram-sha-256 clientcert=verify-full",
        ])
        // pg_rewind's SQL connection: the same role, to the postgres database alone.
        #expect(hba.split(separator: "\n").filter { $0.hasPrefix("hostssl postgres") } == [
            "hostssl postgres      aegis_replicator   127.0.0.1/32   scram-sha-256 clientcert=verify-full",
            "hostssl postgres      aegis_replicator   ::1/128   scram-sha-256 clientcert=verify-full",
            "hostssl postgres      aegis_replicator   10.20.0.0/16   scram-sha-256 clientcert=verify-full",
        ])
        // Before the final reject, which would otherwise win.
        #expect(hba.range(of: "hostssl replication")!.lowerBound < hba.range(of: "host    all   all   all   reject")!.lowerBound)
        #expect(!renderer(config, tls: nil).pgHbaConf.contains("replication"), "no replication without TLS")
    }

    @Test(arguments: [(4096, false, "'4096MB'", "''"), (64, true, "'64MB'", "'*'")] as [(Int, Bool, String, String)])
    func aPrimaryBoundsTheWALOfAbsentStandbys(mb: Int, synchronous: Bool, keep: String, names: String) {
        var config = AegisConfig.defaults()
        config.replication.maxSlotWalKeepSizeMb = mb
        config.replication.synchronous = synchronous
        let conf = renderer(config, tls: tls).postgresqlConf
        #expect(conf.contains("max_slot_wal_keep_size = \(keep)"))
        #expect(conf.contains("synchronous_standby_names = \(names)"))
        #expect(!conf.contains("primary_conninfo"))
    }

    @Test func aStandbyFollowsThePrimaryVerifiedByName_withThePasswordInAPassfile() {
        let conf = renderer(standbyConfig(), tls: tls).postgresqlConf
        let files = "/var/lib/aegis/conf/postgres-backend/replication"
        #expect(conf.contains(
            "primary_conninfo = 'host=db1.example.com port=5432 user=aegis_replicator application_name=standby_db2 sslmode=verify-full "
                + "sslrootcert=\(files)/primary-ca.crt sslcert=\(files)/client.crt sslkey=\(files)/client.key passfile=\(files)/pgpass connect_timeout=10'"))
        #expect(conf.contains("primary_slot_name = 'standby_db2'"))
        #expect(conf.contains("hot_standby = on"))
        #expect(!renderer(standbyConfig(), tls: tls).pgHbaConf.contains("replication"), "nothing replicates from a standby")
    }

    @Test(arguments: [
        ("plain", "db1:5432:*:aegis_replicator:plain\n"),
        ("a:b\\c", "db1:5432:*:aegis_replicator:a\\:b\\\\c\n"),
    ])
    func thePassfileEscapesColonsAndBackslashes(password: String, line: String) {
        let side = PostgresReplication.StandbySide(
            host: "db1", port: 5432, user: "aegis_replicator", slotName: "s", rootCertificate: "/r", certificate: "/c", key: "/k",
            passFile: "/p", applicationName: "s")
        #expect(side.passFileLine(password: password) == line)
    }

    @Test func redis_primaryHasAReplicationOnlyUser_standbyReplicatesOverTLS() {
        let lines = RedisACL.userLines(adminHash: "aa", appHashes: [:], replicatorHash: "bb")
        #expect(lines.last == "user aegis_replicator on #bb resetkeys resetchannels -@all +psync +replconf +ping")
        let replica = RedisReplica(host: "db1", port: 6379, user: "aegis_replicator", password: "p\"w", certificate: "/c", key: "/k")
        let conf = RedisConfigRenderer(settings: RedisSettings(), layout: layout)
            .render(adminPasswordHash: "aa", appPasswordHashes: [:], replica: replica)
        #expect(conf.contains("replicaof db1 6379\nmasteruser aegis_replicator\nmasterauth \"p\\\"w\"\n"))
        #expect(conf.contains("tls-replication yes"))
        #expect(!conf.contains("\nuser aegis_replicator"), "no replication user on a standby")
    }

    @Test func aStandbysRedisVerifiesWithBothCAs_inItsFileAndInEveryRotation() {
        let conf = RedisConfigRenderer(config: standbyConfig()).render(adminPasswordHash: "aa", appPasswordHashes: [:])
        #expect(conf.contains("tls-ca-cert-file /var/lib/aegis/conf/redis/replication/ca-bundle.crt"))
        var promoted = standbyConfig()
        promoted.replication.promoted = ["redis"]
        #expect(RedisConfigRenderer(config: promoted).tls?.ca == "/var/lib/aegis/certs/ca/ca.crt")
        #expect(RedisConfigRenderer(config: AegisConfig.defaults(stateDir: "/var/lib/aegis")).tls?.ca == "/var/lib/aegis/certs/ca/ca.crt")
    }

    @Test(arguments: [
        ({ @Sendable (c: inout AegisConfig) in c.replication.role = "replica" }, "replication.role"),
        ({ @Sendable (c: inout AegisConfig) in c.replication.standbyNetworks = ["10.0.0.0/33"] }, "replication.standby_networks[0]"),
        ({ @Sendable (c: inout AegisConfig) in c.replication.maxSlotWalKeepSizeMb = 10 }, "replication.max_slot_wal_keep_size_mb"),
        ({ @Sendable (c: inout AegisConfig) in c.replication.primaryHost = "" }, "replication.primary_host"),
        ({ @Sendable (c: inout AegisConfig) in c.replication.primaryAIPort = 0 }, "replication.primary_ai_port"),
        ({ @Sendable (c: inout AegisConfig) in c.replication.slotName = "Standby-2" }, "replication.slot_name"),
        ({ @Sendable (c: inout AegisConfig) in c.replication.synchronous = true }, "replication.synchronous"),
        ({ @Sendable (c: inout AegisConfig) in c.tls.enabled = false }, "replication.role"),
    ] as [(@Sendable (inout AegisConfig) -> Void, String)])
    func theValidatorNamesTheKey(change: @Sendable (inout AegisConfig) -> Void, path: String) {
        var config = standbyConfig()
        #expect(ConfigValidator.validate(config).isEmpty)
        change(&config)
        #expect(ConfigValidator.validate(config).map(\.path).contains(path), "\(ConfigValidator.validate(config))")
    }

    @Test(arguments: [("db-2.Example.com", "standby_db_2_example_com"), ("x", "standby_x")])
    func slotNamesComeFromTheHostName(host: String, slot: String) {
        #expect(AegisConfig.standbySlotName(hostName: host) == slot)
    }

    @Test func aBundleMissingAPartIsRefusedWithoutShowingItsSecrets() throws {
        let bundle = ReplicationBundle(
            primaryHost: "db1", ports: ["postgres-backend": 5432, "postgres-ai": 5433, "postgres-executor": 5434, "redis": 6379],
            caCertificate: "-----BEGIN CERTIFICATE-----\n", postgresUser: "aegis_replicator", postgresPassword: SecretText("s3cret-pg"),
            clientCertificate: "-----BEGIN CERTIFICATE-----\n", clientKey: SecretText("-----BEGIN PRIVATE KEY-----\n"),
            redisUser: "aegis_replicator", redisPassword: SecretText("s3cret-redis"))
        #expect(try ReplicationBundle.decode(bundle.encoded()) == bundle)
        var noPort = bundle
        noPort.ports["postgres-ai"] = nil
        #expect(throws: ReplicationBundleError("the bundle has no port for postgres-ai")) { try ReplicationBundle.decode(noPort.encoded()) }
        var traversal = bundle
        traversal.appSecrets = ["../../etc/shadow": SecretText("x")]
        #expect(throws: ReplicationBundleError.self) { try ReplicationBundle.decode(traversal.encoded()) }
        var apps = bundle
        apps.appSecrets = ["postgres-ai.password": SecretText("p"), "redis-executor.password": SecretText("r")]
        #expect(try ReplicationBundle.decode(apps.encoded()) == apps)
        let text = bundle.encoded().replacing("\"primary_host\"", with: "\"primary\"")
        do {
            _ = try ReplicationBundle.decode(text)
            Issue.record("a bundle without primary_host was accepted")
        } catch {
            #expect(error.message.contains("primary_host"))
            #expect(!error.message.contains("s3cret"))
        }
        let config = try AegisConfig.forStandbyInit(root: "/srv/b", portBase: 40000, bundle: bundle, slotName: "standby_b")
        #expect(config.replication.isStandby && config.replication.primaryRedisPort == 6379 && config.postgres.instances[.ai]?.port == 40001)
        #expect(!ConfigRenderer.render(config).contains("s3cret"))
    }

    @Test(arguments: [
        // streaming, caught up: lag 0, seconds 0 whatever the last commit's age
        (["streaming", "-120", "0", "3600.5"], 0 as Int64?, 0 as Double?, true),
        // streaming, 8 kB not received yet, 4 kB waiting to be replayed for 2.5 s
        (["streaming", "8192", "4096", "2.5"], 8192, 2.5, true),
        // no WAL receiver: unknown
        ([nil, nil, "0", "10"], nil, nil, false),
        (["waiting", "100", "0", nil], nil, nil, false),
    ] as [([String?], Int64?, Double?, Bool)])
    func aStandbysLagFromItsRow(row: [String?], bytes: Int64?, seconds: Double?, streaming: Bool) {
        let reading = ReplicationReading.postgresStandby(row)
        #expect(reading.role == "standby")
        #expect(reading.lagBytes == bytes)
        #expect(reading.lagSeconds == seconds)
        #expect(reading.detail.streaming == streaming)
    }

    @Test func aPrimarysStandbysAndSlots() {
        let reading = ReplicationReading.postgresPrimary(
            standbys: [["standby_b", "10.0.0.2", "streaming", "async", "0", nil]],
            slots: [["standby_b", "t", "reserved", "16384"], ["standby_old", "f", "lost", nil]])
        #expect(reading.role == "primary")
        #expect(reading.detail.standbys == [ConnectedStandby(name: "standby_b", address: "10.0.0.2", state: "streaming", syncState: "async", lagBytes: 0)])
        #expect(reading.detail.slots?.map(\.isLost) == [false, true])
        #expect(reading.detail.slots?.first?.retainedBytes == 16384)
    }

    @Test func redisReadings() {
        let replica = ReplicationReading.redis(["role": "slave", "master_link_status": "up", "master_repl_offset": "5000", "slave_repl_offset": "4000"])
        #expect(replica.role == "standby" && replica.lagBytes == 1000 && replica.lagSeconds == 0 && replica.detail.streaming == true)
        let down = ReplicationReading.redis(["role": "slave", "master_link_status": "down", "master_repl_offset": "5000", "slave_repl_offset": "4000"])
        #expect(down.lagBytes == nil && down.lagSeconds == nil && down.detail.streaming == false)
        let primary = ReplicationReading.redis([
            "role": "master", "connected_slaves": "1", "master_repl_offset": "700", "slave0": "ip=127.0.0.1,port=6380,state=online,offset=600,lag=0",
        ])
        #expect(primary.detail.standbys == [ConnectedStandby(name: "127.0.0.1:6380", address: "127.0.0.1:6380", state: "online", lagBytes: 100)])
    }

    @Test func standbyNetworksOpenTheUnitOnAPrimaryThatListensBeyondLoopback() {
        var config = AegisConfig.defaults()
        config.replication.standbyNetworks = ["10.20.0.0/24"]
        #expect(config.unitDropIn.allowances.isEmpty, "loopback only: nothing to let in")
        config.postgres.instances[.backend]?.listenAddresses = ["127.0.0.1", "10.20.0.5"]
        #expect(config.unitDropIn.allowances.map(\.network.description) == ["10.20.0.0/24"])
        #expect(config.unitDropIn.allowances.first?.reasons == ["standbys replicating postgres-backend (replication.standby_networks)"])
    }

    @Test func theMetricsOfAStandbyAndAPrimary() {
        var standby = ServiceStatus(name: "postgres-ai", state: .running, healthy: true, pid: 1, restarts: 0)
        standby.role = "standby"
        standby.replicationLagBytes = 10
        standby.replicationLagSeconds = 0
        standby.replication = ReplicationStatus(streaming: true)
        var primary = ServiceStatus(name: "postgres-backend", state: .running, healthy: true, pid: 2, restarts: 0)
        primary.role = "primary"
        primary.replication = ReplicationStatus(
            standbys: [], slots: [ReplicationSlotStatus(name: "standby_b", active: false, walStatus: "lost", retainedBytes: nil)])
        let families = Dictionary(uniqueKeysWithValues: MetricsMapping.replication([standby, primary]).map { ($0.name, $0.samples) })
        #expect(families["aegis_replication_is_standby"]?.map(\.value) == [1, 0])
        #expect(families["aegis_replication_streaming"]?.map(\.value) == [1])
        #expect(families["aegis_replication_lag_bytes"]?.map(\.value) == [10])
        #expect(families["aegis_replication_standbys"]?.map(\.value) == [0])
        #expect(families["aegis_replication_slot_lost"]?.map(\.value) == [1])
        #expect(families["aegis_replication_slot_retained_bytes"]?.isEmpty == true, "unknown is left out")
    }

    static let file = """
        # mine
        [replication]
        # Which side.
        role = "standby"
        primary_host = "db1"

        [tls]
        enabled = true
        """

    @Test func promotingEveryServiceMakesTheFileSayPrimary_keepingEveryOtherLine() throws {
        let all: [ServiceID] = [.postgresBackend, .postgresAI, .postgresExecutor, .redis]
        let edited = try PromotionEdit.apply(to: Self.file, promoted: all, all: all)
        #expect(edited == Self.file.replacing("role = \"standby\"", with: "role = \"primary\""))
    }

    @Test func promotingSomeNamesThem_andAgainReplacesTheList() throws {
        let all: [ServiceID] = [.postgresBackend, .postgresAI, .postgresExecutor, .redis]
        let once = try PromotionEdit.apply(to: Self.file, promoted: [.postgresAI], all: all)
        #expect(once.contains("role = \"standby\"\npromoted = [\"postgres-ai\"]\n"))
        let twice = try PromotionEdit.apply(to: once, promoted: [.redis, .postgresAI], all: all)
        #expect(twice.contains("promoted = [\"postgres-ai\", \"redis\"]") && !twice.contains("promoted = [\"postgres-ai\"]\n"))
        let last = try PromotionEdit.apply(to: twice, promoted: all, all: all)
        #expect(!last.contains("promoted") && last.contains("role = \"primary\""))
    }

    /// aegisctl's edit reads what is promoted and what follows from the file itself.
    @Test func theEditFromTheFilesOwnConfiguration_countsWhatItPromotedBefore() throws {
        var config = AegisConfig.defaults()
        config.replication.role = "standby"
        config.replication.promoted = ["postgres-ai"]
        config.redis.enabled = false
        let text = "[replication]\nrole = \"standby\"\npromoted = [\"postgres-ai\"]\n"
        let some = try PromotionEdit.apply(to: text, config: config, promotedNow: [.postgresBackend])
        #expect(some.contains("promoted = [\"postgres-backend\", \"postgres-ai\"]"), "\(some)")
        let every = try PromotionEdit.apply(to: text, config: config, promotedNow: [.postgresBackend, .postgresExecutor])
        #expect(every == "[replication]\nrole = \"primary\"\n", "Redis is off here, so the three instances are all")
        #expect(try PromotionEdit.apply(to: text, config: config, promotedNow: [.postgresAI]) == text)
    }

    @Test func aFileWithoutARoleLineIsNotGuessedAt() {
        #expect(throws: PromotionEdit.Refusal.self) { try PromotionEdit.apply(to: "[tls]\nenabled = true\n", promoted: [.redis], all: [.redis]) }
        #expect(throws: PromotionEdit.Refusal.self) {
            try PromotionEdit.apply(to: "[replication]\n# role = \"standby\"\n[tls]\n", promoted: [.redis], all: [.redis])
        }
    }

    @Test func aPromotedServiceNoLongerFollows() {
        var config = standbyConfig()
        config.replication.promoted = ["postgres-ai"]
        #expect(ConfigValidator.validate(config).isEmpty)
        #expect(!config.replication.follows(.postgresAI) && config.replication.follows(.postgresBackend))
        if case .primary = PostgresReplication.of(.ai, config: config, applicationName: "x") {} else { Issue.record("postgres-ai still follows") }
        config.replication.promoted = ["loki"]
        #expect(ConfigValidator.validate(config).map(\.path) == ["replication.promoted[0]"])
    }
}
