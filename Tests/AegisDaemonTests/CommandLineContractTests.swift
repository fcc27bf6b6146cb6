import AegisCore
import AegisSystem
import Foundation
import Testing

/// The outside contracts (what scripts and the unit rely on), through the real binaries: `config init`, `config check`
/// and their exit codes (0 ok, 2 usage or configuration error), and aegisctl's 3 when the daemon
/// is not reachable.
@Suite struct CommandLineContractTests {
    func run(_ command: String) throws -> (status: Int32, output: String) {
        try DaemonHarness.run(command)
    }

    @Test func testConfigInit_standardPortsOrPortBase_thenCheckPasses_andNoSilentOverwrite() throws {
        let root = try DaemonHarness.makeTemporaryDirectory(prefix: "aegisd-cli")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let aegisd = DaemonHarness.aegisd
        #expect(try run("\(aegisd) config init --root \(root)/standard").status == 0)
        let standard = try ConfigLoader.load(path: "\(root)/standard/aegisd.toml")
        #expect(ServiceID.allCases.map(standard.port(of:)) == [5432, 5433, 5434, 6379, 3100])
        #expect(standard.daemon.stateDir == "\(root)/standard")
        #expect(standard.daemon.user == "aegis")

        #expect(try run("\(aegisd) config init --root \(root)/based --port-base 30000 --user aegis").status == 0)
        let based = try ConfigLoader.load(path: "\(root)/based/aegisd.toml")
        #expect(ServiceID.allCases.map(based.port(of:)) == [30000, 30001, 30002, 30003, 30004])
        #expect(based.loki.grpcPort == 30005)
        #expect(based.metrics.port == 30006)
        #expect(based.daemon.socket.hasPrefix("\(root)/based/"))

        let check = try run("\(aegisd) config check --config \(root)/based/aegisd.toml")
        #expect(check.status == 0, "\(check.output)")
        let again = try run("\(aegisd) config init --root \(root)/based")
        #expect(again.status == 2)
        #expect(again.output.contains("--force"))
    }

    @Test func testConfigCheck_namesEveryBadKey_exit2() throws {
        let root = try DaemonHarness.makeTemporaryDirectory(prefix: "aegisd-cli")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let file = "\(root)/bad.toml"
        try """
            [aegisd]
            state_dir = "\(root)"
            colour = "blue"
            [postgres.backend]
            port = "5432"
            [redis]
            port = 5433
            maxmemory_policy = "sometimes"
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let result = try run("\(DaemonHarness.aegisd) config check --config \(file)")
        #expect(result.status == 2)
        #expect(result.output.contains("aegisd.colour"))
        #expect(result.output.contains("postgres.backend.port"))
        #expect(result.output.contains("redis.maxmemory_policy"))
        // The daemon refuses the same file with the same code, before starting anything.
        let daemon = try run("\(DaemonHarness.aegisd) --config \(file)")
        #expect(daemon.status == 2)
    }

    @Test func testAegisctl_exit3WhenTheDaemonIsNotReachable() throws {
        let result = try run("\(DaemonHarness.aegisctl) --socket /tmp/no-such-aegisd-\(getpid()).sock status")
        #expect(result.status == 3)
        #expect(result.output.contains("/tmp/no-such-aegisd"))
    }
}
