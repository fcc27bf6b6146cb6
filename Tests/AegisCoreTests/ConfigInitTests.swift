import Testing
import AegisCore

@Suite struct ConfigInitTests {
    private func ports(_ config: AegisConfig) -> [Int] {
        [
            config.postgres.instances[.backend]!.port, config.postgres.instances[.ai]!.port,
            config.postgres.instances[.executor]!.port, config.redis.port, config.loki.httpPort,
            config.loki.grpcPort, config.metrics.port,
        ]
    }

    @Test func testWithoutPortBase_theSeedsPortsAreUsed() throws {
        let config = try AegisConfig.forInit(root: "/srv/aegis")
        #expect(ports(config) == [5432, 5433, 5434, 6379, 3100, 9095, 9464])
    }

    @Test(arguments: [1, 15432, 40000, 65529])
    func testPortBase_mapsToSevenConsecutivePorts_inContractOrder(base: Int) throws {
        let config = try AegisConfig.forInit(root: "/srv/aegis", portBase: base)
        #expect(ports(config) == Array(base...(base + 6)))
    }

    @Test(arguments: [0, -5, 65530, 70000])
    func testPortBase_outsideTheRange_isRejected(base: Int) {
        #expect(throws: ConfigError.self) { try AegisConfig.forInit(root: "/srv/aegis", portBase: base) }
        do {
            _ = try AegisConfig.forInit(root: "/srv/aegis", portBase: base)
        } catch {
            #expect(error.issues.map(\.path) == ["--port-base"])
        }
    }

    @Test func testStateLivesUnderTheRoot_andTheUserIsAlsoTheSocketGroup() throws {
        let config = try AegisConfig.forInit(root: "/tmp/x/", portBase: 20000, user: "svc")
        #expect(config.daemon.stateDir == "/tmp/x")
        #expect(config.daemon.socket == "/tmp/x/run/aegisd.sock")
        #expect(config.daemon.user == "svc")
        #expect(config.daemon.socketGroup == "svc")
        #expect(ConfigValidator.validate(config).isEmpty)
    }

    @Test func testDefaultUser_isAegis() throws {
        #expect(try AegisConfig.forInit(root: "/r").daemon.user == "aegis")
    }

    @Test(arguments: [("relative/dir", "aegis", "--root"), ("/r", "bad user", "--user"), ("/r", "", "--user")])
    func testBadArguments_nameTheFlag(root: String, user: String, flag: String) {
        do {
            _ = try AegisConfig.forInit(root: root, user: user)
            Issue.record("expected an error")
        } catch {
            #expect(error.issues.map(\.path).allSatisfy { $0 == flag })
            #expect(!error.issues.isEmpty)
        }
    }
}
