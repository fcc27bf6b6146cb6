import AegisCore
import Foundation
import Glibc
import Testing

@testable import AegisSystem

/// The built `aegisctl` binary against a real server: exit codes and output of the contract.
@Suite("aegisctl", .enabled(if: ControlTestEnvironment.aegisctl != nil, "aegisctl is not built next to the tests"))
struct ControlAegisctlTests {
    private func aegisctl(_ arguments: String...) async throws -> (status: Int32, out: String, err: String) {
        let (status, out, err) = try await offPool { try ControlTestEnvironment.run(ControlTestEnvironment.aegisctl!, arguments) }
        return (status, out, err)
    }

    @Test func unreachableDaemonExits3() async throws {
        let result = try await aegisctl("--socket", "/tmp/aegis-ctl-missing/aegisd.sock", "status")
        #expect(result.status == 3)
        #expect(result.err.contains("/tmp/aegis-ctl-missing/aegisd.sock"))
        #expect(result.err.contains("systemctl status aegisd"))
    }

    @Test func versionWithoutDaemonPrintsClientVersionAndExits3() async throws {
        let result = try await aegisctl("version", "--socket", "/tmp/aegis-ctl-missing/aegisd.sock")
        #expect(result.status == 3)
        #expect(result.out.contains("aegisctl \(AegisVersion.current)"))
    }

    @Test func unknownServiceIsAUsageError() async throws {
        let result = try await aegisctl("--socket", "/tmp/aegis-ctl-missing/aegisd.sock", "restart", "mysql")
        #expect(result.status == 2)
        #expect(result.err.contains("postgres-backend"))
    }

    @Test func logsPrintsTheNewestEntries_andRefusesAnUnknownService() async throws {
        let server = try ControlTestServer()
        let result = try await aegisctl("--socket", server.path, "logs", "redis", "-n", "2")
        let json = try await aegisctl("--socket", server.path, "logs", "redis", "-n", "1", "--json")
        await server.shutdown()
        #expect(result.status == 0, "\(result.err)")
        let lines = result.out.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[0].hasSuffix("error line 2 of redis"))
        #expect(lines[0].hasPrefix("2023-11-14T22:13:20.000Z"))
        #expect(lines[1].hasSuffix("info  line 3 of redis"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any])
        #expect(object["seq"] as? Int == 3 && object["line"] as? String == "line 3 of redis")
        let unknown = try await aegisctl("--socket", "/tmp/aegis-ctl-missing/aegisd.sock", "logs", "mysql")
        #expect(unknown.status == 2)
    }

    @Test func statusJSONHasTheContractFields() async throws {
        let server = try ControlTestServer()
        let result = try await aegisctl("--socket", server.path, "status", "--json")
        await server.shutdown()
        #expect(result.status == 0, "\(result.err)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any])
        let services = try #require(object["services"] as? [[String: Any]])
        #expect(services.count == 2)
        for service in services {
            for key in ["name", "state", "healthy", "pid", "restarts"] {
                #expect(service.keys.contains(key), "\(key) missing")
            }
        }
        #expect(services[1]["pid"] is NSNull)
    }

    @Test func humanStatusIsATableAndExits0EvenWhenUnhealthy() async throws {
        let server = try ControlTestServer()
        // Options after the command work as well as before it.
        let result = try await aegisctl("status", "--socket", server.path)
        await server.shutdown()
        #expect(result.status == 0)
        let lines = result.out.split(separator: "\n").map(String.init)
        #expect(lines.first == ControlTestServer.report.summary)
        #expect(lines.count == 4)
        #expect(lines[1].hasPrefix("NAME"))
        #expect(lines[2].contains("postgres-backend") && lines[2].contains("1h02m"))
        #expect(lines[3].contains("backoff") && lines[3].contains("exited with status 1"))
    }

    @Test func daemonErrorExits1() async throws {
        let server = try ControlTestServer()
        let failed = try await aegisctl("--socket", server.path, "start", "loki")
        let done = try await aegisctl("--socket", server.path, "stop", "redis")
        await server.shutdown()
        #expect(failed.status == 1)
        #expect(failed.err.contains("error: loki: binary not found"))
        #expect(done.status == 0)
        #expect(done.out.contains("redis: stop requested"))
    }

    @Test func versionShowsBoth() async throws {
        let server = try ControlTestServer()
        let result = try await aegisctl("--socket", server.path, "version")
        await server.shutdown()
        #expect(result.status == 0)
        #expect(result.out.contains("aegisctl \(AegisVersion.current)"))
        #expect(result.out.contains("aegisd   9.9.9"))
    }
}
