import Testing
import AegisCore

@Suite struct ConfigDecoderTests {
    /// A document with one section holding one key.
    private func document(_ section: String, _ key: String, _ value: ConfigValue) -> [String: ConfigValue] {
        let parts = section.split(separator: ".").map(String.init)
        var table: ConfigValue = .table([key: value])
        for part in parts.reversed() { table = .table([part: table]) }
        guard case .table(let root) = table else { return [:] }
        return root
    }

    @Test func testEmptyDocument_decodesToTheDefaults_withoutIssues() {
        let (config, issues) = ConfigDecoder.decode([:])
        #expect(issues.isEmpty)
        #expect(config == AegisConfig.defaults())
        #expect(config.daemon.stateDir == "/var/lib/aegis")
        #expect(ConfigValidator.validate(config).isEmpty)
    }

    @Test func testGivenKeys_overrideDefaults_andTheRestKeepTheirs() {
        let (config, issues) = ConfigDecoder.decode([
            "aegisd": .table(["state_dir": .string("/srv/aegis"), "log_level": .string("debug")]),
            "postgres": .table(["ai": .table(["port": .integer(6000), "enabled": .bool(false)])]),
            "redis": .table(["appendonly": .bool(false)]),
            "loki": .table(["retention_days": .integer(30)]),
        ])
        #expect(issues.isEmpty)
        var expected = AegisConfig.defaults(stateDir: "/srv/aegis")
        expected.daemon.logLevel = "debug"
        expected.postgres.instances[.ai]!.port = 6000
        expected.postgres.instances[.ai]!.enabled = false
        expected.redis.appendonly = false
        expected.loki.retentionDays = 30
        #expect(config == expected)
    }

    @Test(arguments: [
        ("loki", "http_prot", ConfigValue.integer(1), "loki.http_prot", "unknown key; did you mean loki.http_port?"),
        ("redis", "max-memory", .string("1gb"), "redis.max-memory", "unknown key; did you mean redis.maxmemory?"),
        ("aegisd", "colour", .string("red"), "aegisd.colour", "unknown key"),
        ("postgres", "analytics", .table([:]), "postgres.analytics",
         "unknown section; known sections here: postgres.backend, postgres.ai, postgres.executor"),
        ("postgres.backend", "sharedbuffers", .string("1GB"), "postgres.backend.sharedbuffers",
         "unknown key; did you mean postgres.backend.shared_buffers?"),
    ])
    func testUnknownKeys_areNamed_withASuggestionWhenOneIsClose(
        section: String, key: String, value: ConfigValue, path: String, reason: String
    ) {
        let issues = ConfigDecoder.decode(document(section, key, value)).issues
        #expect(issues == [ConfigIssue(path: path, reason: reason)])
    }

    @Test func testUnknownSections_atTheTop_areNamed() {
        let issues = ConfigDecoder.decode(["postgress": .table([:]), "grafana": .table([:])]).issues
        #expect(issues == [
            ConfigIssue(path: "grafana", reason: "unknown section; known sections here: aegisd, supervision, postgres, redis, loki, metrics, backup, offsite, maintenance, tls, logs, alerts, pitr, replication"),
            ConfigIssue(path: "postgress", reason: "unknown section; did you mean postgres?"),
        ])
    }

    @Test(arguments: [
        ("postgres.backend", "port", ConfigValue.string("5432"), "expected an integer, found a string (write 5432 without quotes)"),
        ("postgres.backend", "port", .float(5432.0), "expected an integer, found a floating-point number"),
        ("redis", "enabled", .string("yes"), "expected a boolean, found a string"),
        ("redis", "appendonly", .string("true"), "expected a boolean, found a string (write true without quotes)"),
        ("postgres.ai", "shared_buffers", .integer(128), "expected a string, found an integer"),
        ("aegisd", "state_dir", .array([.string("/a")]), "expected a string, found an array"),
        ("supervision", "start_timeout_s", .datetime("1979-05-27"), "expected an integer, found a date-time"),
    ])
    func testWrongTypes_areNamed_andTheKeyKeepsItsDefault(section: String, key: String, value: ConfigValue, reason: String) {
        let (config, issues) = ConfigDecoder.decode(document(section, key, value))
        #expect(issues == [ConfigIssue(path: "\(section).\(key)", reason: reason)])
        #expect(config == AegisConfig.defaults())
    }

    @Test func testASectionThatIsNotATable_isAnIssue() {
        let issues = ConfigDecoder.decode(["redis": .integer(1), "postgres": .table(["backend": .string("x")])]).issues
        #expect(issues == [
            ConfigIssue(path: "postgres.backend", reason: "expected a table ([postgres.backend]), found a string"),
            ConfigIssue(path: "redis", reason: "expected a table ([redis]), found an integer"),
        ])
    }

    @Test func testEveryIssue_isReported_notJustTheFirst() {
        let document: [String: ConfigValue] = [
            "aegisd": .table(["log_level": .string("loud"), "typo": .bool(true)]),
            "redis": .table(["port": .string("x"), "save": .string("900")]),
            "metrics": .table(["port": .integer(5432)]),
        ]
        #expect(throws: ConfigError.self) { try ConfigDecoder.decodeValidated(document, file: "f.toml") }
        do {
            _ = try ConfigDecoder.decodeValidated(document, file: "f.toml")
        } catch {
            #expect(error.file == "f.toml")
            #expect(Set(error.issues.map(\.path)) == ["aegisd.typo", "redis.port", "aegisd.log_level", "redis.save", "metrics.port"])
        }
    }
}
