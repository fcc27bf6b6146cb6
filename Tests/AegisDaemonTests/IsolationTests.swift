import AegisCore
import AegisSystem
import Foundation
import Testing

/// Isolation between the app services (issue #3), with the real redis-cli.
@Suite(.serialized) struct IsolationTests {
    @Test func testRedisACL_eachAppIsConfinedToItsPrefix_andDangerousCommandsAreDenied() async throws {
        let daemon = try await DaemonHarness()
        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        #expect(try daemon.redis("SET backend:x 1", as: .backend) == "OK")
        #expect(try daemon.redis("GET backend:x", as: .backend) == "1")
        #expect(try daemon.redis("SET ai:x 1", as: .backend).contains("NOPERM"))
        #expect(try daemon.redis("GET backend:x", as: .ai).contains("NOPERM"))
        #expect(try daemon.redis("FLUSHALL", as: .backend).contains("NOPERM"))
        #expect(try daemon.redis("CONFIG GET maxmemory", as: .executor).contains("NOPERM"))
        #expect(try daemon.redis("PUBLISH ai:events hi", as: .backend).contains("NOPERM"))
        // The default user is off: no password, no access.
        let anonymous = try DaemonHarness.run("redis-cli -s '\(daemon.root)/run/redis/redis.sock' PING")
        #expect(anonymous.output.contains("NOAUTH"), "\(anonymous.output)")
        // aegisd's admin user keeps full access (health checks, backups).
        #expect(try daemon.redis("DBSIZE") == "1")
        // No clear-text password in the generated file.
        let conf = try String(contentsOfFile: "\(daemon.root)/conf/redis/redis.conf", encoding: .utf8)
        #expect(!conf.contains(try daemon.password(.redis)))
        #expect(try await daemon.terminate() == 0)
    }
}
