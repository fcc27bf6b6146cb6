import AegisCore
import AegisSystem
import Testing

@Suite struct ConfigLoaderTests {
    private func loadError(_ path: String) -> ConfigError? {
        do {
            _ = try ConfigLoader.load(path: path)
            return nil
        } catch {
            return error
        }
    }

    @Test func testAMissingFile_isOneIssueThatSaysSo() {
        let error = loadError("/nonexistent/aegisd.toml")
        #expect(error?.file == "/nonexistent/aegisd.toml")
        #expect(error?.issues == [ConfigIssue(path: "", reason: "cannot read /nonexistent/aegisd.toml: No such file or directory")])
    }

    @Test func testADirectory_isNotAConfigurationFile() throws {
        let directory = try ConfigTestDirectory()
        defer { directory.remove() }
        #expect(loadError(directory.path)?.issues.first?.reason == "cannot read \(directory.path): it is a directory")
    }

    @Test func testASyntaxError_namesItsLineAndColumn() throws {
        let directory = try ConfigTestDirectory()
        defer { directory.remove() }
        let file = try directory.write("aegisd.toml", "[aegisd]\nlog_level = \"info\"\nstate_dir = /var/lib\n")
        let issues = loadError(file)?.issues ?? []
        #expect(issues.count == 1)
        #expect(issues.first?.path == "")
        #expect(issues.first?.reason.hasPrefix("line 3, column ") == true, "\(issues)")
    }

    @Test func testAnEmptyFile_givesTheDefaults() throws {
        let directory = try ConfigTestDirectory()
        defer { directory.remove() }
        #expect(try ConfigLoader.load(path: directory.write("aegisd.toml", "")) == .defaults())
    }

    @Test func testAValidFile_isDecoded() throws {
        let directory = try ConfigTestDirectory()
        defer { directory.remove() }
        let file = try directory.write("aegisd.toml", """
            [aegisd]
            state_dir = "/srv/aegis"

            [postgres.ai]
            port = 6543
            work_mem = "16MB"

            [redis]
            save = ""
            maxmemory = "1gb"

            [loki]
            enabled = false
            """)
        let config = try ConfigLoader.load(path: file)
        #expect(config.daemon.stateDir == "/srv/aegis")
        #expect(config.postgres.instances[.ai]?.port == 6543)
        #expect(config.postgres.instances[.ai]?.workMem == "16MB")
        #expect(config.redis.save == "")
        #expect(config.redis.maxmemory == "1gb")
        #expect(config.loki.enabled == false)
    }

    @Test func testDecodeAndValidationIssues_areAllReportedTogether() throws {
        let text = """
            [postgres.backend]
            port = 6379
            shared_buffers = "lots"
            [redis]
            maxmemory_policy = "lru"
            colour = "red"
            """
        #expect(throws: ConfigError.self) { try ConfigLoader.load(text: text, file: "x.toml") }
        do {
            _ = try ConfigLoader.load(text: text, file: "x.toml")
        } catch {
            #expect(Set(error.issues.map(\.path)) == [
                "redis.colour", "postgres.backend.shared_buffers", "redis.maxmemory_policy", "redis.port",
            ])
            #expect(error.issues.contains(ConfigIssue(path: "redis.port", reason: "port 6379 is also used by postgres.backend.port")))
        }
    }

    @Test(arguments: [
        AegisConfig.defaults(),
        try! AegisConfig.forInit(root: "/tmp/aegis test", portBase: 20000, user: "svc"),
        {
            var config = AegisConfig.defaults(stateDir: "/srv/quote\"d\\dir")
            config.redis.save = ""
            config.redis.enabled = false
            config.postgres.instances[.ai]!.enabled = false
            config.postgres.instances[.executor]!.passwordFile = "/etc/aegis/executor.pw"
            config.loki.retentionDays = 7
            config.supervision.restartWindowS = 42
            return config
        }(),
    ])
    func testRenderedConfigurations_decodeBackToTheSameConfig(config: AegisConfig) throws {
        let text = ConfigRenderer.render(config)
        #expect(try ConfigLoader.load(text: text, file: "rendered.toml") == config)
    }
}
