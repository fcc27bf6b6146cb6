import Testing
import AegisCore

@Suite struct ConfigValidatorTests {
    private func issues(_ change: (inout AegisConfig) -> Void) -> [ConfigIssue] {
        var config = AegisConfig.defaults()
        change(&config)
        return ConfigValidator.validate(config)
    }

    @Test func testDefaults_areValid() {
        #expect(ConfigValidator.validate(.defaults()).isEmpty)
    }

    @Test(arguments: [0, -1, 65536, 100_000])
    func testPortsOutOfRange_areRejected(port: Int) {
        #expect(issues { $0.postgres.instances[.executor]!.port = port } == [
            ConfigIssue(path: "postgres.executor.port", reason: "port \(port) is out of range (1–65535)")
        ])
        #expect(issues { $0.loki.grpcPort = port }.map(\.path) == ["loki.grpc_port"])
    }

    @Test func testAPortClash_namesBothKeys() {
        #expect(issues { $0.redis.port = 5433 } == [
            ConfigIssue(path: "redis.port", reason: "port 5433 is also used by postgres.ai.port")
        ])
        #expect(issues { $0.metrics.port = 9095 } == [
            ConfigIssue(path: "metrics.port", reason: "port 9095 is also used by loki.grpc_port")
        ])
    }

    @Test func testDisabledServices_doNotClash() {
        #expect(issues {
            $0.postgres.instances[.ai]!.enabled = false
            $0.redis.port = 5433
            $0.loki.enabled = false
            $0.loki.httpPort = 5432
        }.isEmpty)
    }

    @Test(arguments: [
        ("128MB", nil), ("1GB", nil), ("8kB", nil), ("2TB", nil), ("1048576B", nil),
        ("128mb", "\"128mb\": PostgreSQL units are case-sensitive: use kB, MB, GB or TB"),
        ("128", "\"128\" needs a unit (kB, MB, GB or TB), e.g. 128MB"),
        ("1.5GB", "\"1.5GB\" has an unknown unit \".5GB\" (use kB, MB, GB or TB)"),
        ("lots", "\"lots\" is not a PostgreSQL memory size (like 128MB, 1GB or 8kB)"),
        ("0MB", "\"0MB\" must be greater than zero"),
        ("", "\"\" is not a PostgreSQL memory size (like 128MB, 1GB or 8kB)"),
    ] as [(String, String?)])
    func testPostgresMemorySizes(size: String, problem: String?) {
        #expect(ConfigRules.postgresMemoryProblem(size) == problem)
        #expect(issues { $0.postgres.instances[.backend]!.workMem = size }.map(\.path)
            == (problem == nil ? [] : ["postgres.backend.work_mem"]))
    }

    @Test(arguments: [
        ("256mb", true), ("1gb", true), ("1GB", true), ("0", true), ("1048576", true), ("512k", true),
        ("256 mb", false), ("mb", false), ("1tb", false), ("-1", false), ("", false),
    ])
    func testRedisMemorySizes(size: String, valid: Bool) {
        #expect((ConfigRules.redisMemoryProblem(size) == nil) == valid)
    }

    @Test(arguments: [
        ("900 1 300 10", true), ("60 1000", true), ("", true), ("3600  1", true),
        ("900", false), ("900 1 300", false), ("0 1", false), ("900 -1", false), ("every hour", false), ("  ", false),
    ])
    func testRedisSaveRules(save: String, valid: Bool) {
        #expect((ConfigRules.redisSaveProblem(save) == nil) == valid)
        #expect(issues { $0.redis.save = save }.map(\.path) == (valid ? [] : ["redis.save"]))
    }

    @Test(arguments: [
        ("aegis_backend", true), ("_x", true), ("a1", true), (String(repeating: "a", count: 63), true),
        (String(repeating: "a", count: 64), false), ("1abc", false), ("Aegis", false), ("aegis-db", false), ("", false),
    ])
    func testDatabaseAndRoleNames_mustBePlainIdentifiers(name: String, valid: Bool) {
        let found = issues {
            $0.postgres.instances[.ai]!.database = name
            $0.postgres.instances[.ai]!.user = name
        }
        #expect(found.map(\.path) == (valid ? [] : ["postgres.ai.database", "postgres.ai.user"]))
    }

    @Test func testPaths_mustBeAbsolute_andPasswordFilesMayBeEmpty() {
        let found = issues {
            $0.daemon.stateDir = "var/lib/aegis"
            $0.daemon.socket = ""
            $0.postgres.binDir = "./bin"
            $0.postgres.instances[.backend]!.passwordFile = "secret.txt"
            $0.redis.passwordFile = ""
            $0.redis.binary = "bin/redis-server"
        }
        #expect(found.map(\.path) == [
            "aegisd.state_dir", "aegisd.socket", "postgres.bin_dir", "postgres.backend.password_file", "redis.binary",
        ])
    }

    @Test func testSupervision_needsPositiveDurations_andInitialDelayWithinMax() {
        let found = issues {
            $0.supervision.healthIntervalMs = 0
            $0.supervision.failureThreshold = 0
            $0.supervision.restartInitialDelayMs = 90_000
            $0.supervision.startTimeoutS = -5
        }
        #expect(found == [
            ConfigIssue(path: "supervision.health_interval_ms", reason: "must be at least 1 (found 0)"),
            ConfigIssue(path: "supervision.failure_threshold", reason: "must be at least 1 (found 0)"),
            ConfigIssue(path: "supervision.start_timeout_s", reason: "must be at least 1 (found -5)"),
            ConfigIssue(path: "supervision.restart_initial_delay_ms", reason: "90000 is greater than restart_max_delay_ms (60000)"),
        ])
    }

    @Test(arguments: [
        ("log_level", "verbose"), ("user", ""), ("socket_group", "a b"), ("maxmemory_policy", "lru"), ("retention_days", "0"),
    ])
    func testEnumeratedAndNamedValues_areChecked(key: String, value: String) {
        let found = issues {
            switch key {
            case "log_level": $0.daemon.logLevel = value
            case "user": $0.daemon.user = value
            case "socket_group": $0.daemon.socketGroup = value
            case "maxmemory_policy": $0.redis.maxmemoryPolicy = value
            default: $0.loki.retentionDays = Int(value)!
            }
        }
        #expect(found.count == 1)
        #expect(found.first?.path.hasSuffix(key) == true)
    }
}

/// `[backup]` values that cannot work are named with their key.
@Suite struct BackupConfigValidatorTests {
    func issues(_ change: (inout BackupSettings) -> Void) -> [ConfigIssue] {
        var config = AegisConfig.defaults()
        change(&config.backup)
        return ConfigValidator.validate(config)
    }

    @Test func testDefaults_areValid_evenWithoutARecipient() {
        #expect(issues { _ in }.isEmpty)
    }

    @Test(arguments: [
        ("schedule", "0 24 * * *", "backup.schedule", "hour: 24 is out of range 0-23"),
        ("schedule", "0 0 31 2 *", "backup.schedule", "\"0 0 31 2 *\" never fires (no such date)"),
        ("verify_schedule", "@reboot", "backup.verify_schedule", "@reboot"),
        ("encryption", "aes", "backup.encryption", "\"aes\" is not one of x25519, passphrase, none"),
    ])
    func testBadValues_areNamed(key: String, value: String, path: String, reasonPart: String) {
        let found = issues { backup in
            switch key {
            case "schedule": backup.schedule = value
            case "verify_schedule": backup.verifySchedule = value
            default: backup.encryption = value
            }
        }
        #expect(found.map(\.path) == [path])
        #expect(found.first?.reason.contains(reasonPart) == true, "\(found)")
    }

    @Test func testRecipients_decodeFromAnArrayOfStrings_andAnythingElseIsNamed() {
        let good = ConfigDecoder.decode(["backup": .table(["recipients": .array([.string("age1a"), .string("age1b")])])])
        #expect(good.issues.isEmpty)
        #expect(good.config.backup.recipients == ["age1a", "age1b"])
        let bad = ConfigDecoder.decode(["backup": .table(["recipients": .array([.string("age1a"), .integer(3)])])])
        #expect(bad.issues == [ConfigIssue(
            path: "backup.recipients", reason: "expected an array of strings, but item 1 is an integer")])
    }

    @Test func testASecretKeyInRecipients_isRefusedWithAWarningToRemoveIt() {
        let found = issues { $0.recipients = ["AGE-SECRET-KEY-1QQQQ"] }
        #expect(found.map(\.path) == ["backup.recipients[0]"])
        #expect(found.first?.reason.contains("secret key") == true)
    }

    @Test(arguments: [
        ("retention_days", 0), ("keep_at_least", 0), ("compression_level", 10), ("lock_wait_timeout_s", 0),
    ])
    func testNumbersOutOfRange_areNamed(key: String, value: Int) {
        let found = issues { backup in
            switch key {
            case "retention_days": backup.retentionDays = value
            case "keep_at_least": backup.keepAtLeast = value
            case "compression_level": backup.compressionLevel = value
            default: backup.lockWaitTimeoutS = value
            }
        }
        #expect(found.map(\.path) == ["backup.\(key)"])
    }
}
