import AegisCore
import AegisSystem
import Foundation
import Glibc
import Testing

/// A real TLS handshake between `openssl s_server` and `openssl s_client` with the files the
/// store wrote: what PostgreSQL, Redis and their clients will do with them.
@Suite struct TLSHandshakeTests {
    typealias Support = TLSTestSupport

    /// Runs `openssl s_server` on a free loopback port for the duration of `body`.
    func withServer(_ arguments: [String], _ body: (UInt16) throws -> Void) throws {
        let port = try Support.freePort()
        let server = Process()
        server.executableURL = URL(fileURLWithPath: Support.openssl)
        server.arguments = ["s_server", "-accept", "127.0.0.1:\(port)", "-www", "-quiet"] + arguments
        server.standardInput = FileHandle.nullDevice
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer {
            // Only the server this test started, by its pid. SIGKILL because Foundation's
            // Process hands the child the test runner's signal mask, in which SIGTERM is blocked.
            kill(server.processIdentifier, SIGKILL)
            server.waitUntilExit()
        }
        try #require(Support.waitForListener(port: port), "s_server did not start listening")
        try body(port)
    }

    @Test func testServerCertificate_verifiesInARealHandshake() throws {
        try Support.withTemporaryDirectory { directory in
            let store = CertificateStore(layout: CertificateLayout(StateLayout(root: directory)))
            _ = try store.ensure(services: [.redis], apps: [.backend], hostNames: ["aegis-host"], now: Support.realNow)
            let server = store.layout.server(.redis)
            let ca = store.layout.ca.certificate
            try withServer(["-cert", server.certificate, "-key", server.key]) { port in
                for host in ["localhost", "aegis-host"] {
                    let client = try Support.openssl([
                        "s_client", "-connect", "127.0.0.1:\(port)", "-CAfile", ca, "-verify_return_error", "-verify_hostname", host,
                    ])
                    #expect(client.status == 0, "\(host): \(client.output)")
                    #expect(client.stdout.contains("Verify return code: 0 (ok)"), "\(client.stdout)")
                }
                let ip = try Support.openssl([
                    "s_client", "-connect", "127.0.0.1:\(port)", "-CAfile", ca, "-verify_return_error", "-verify_ip", "127.0.0.1",
                ])
                #expect(ip.status == 0, "\(ip.output)")
                let wrongName = try Support.openssl([
                    "s_client", "-connect", "127.0.0.1:\(port)", "-CAfile", ca, "-verify_return_error", "-verify_hostname", "elsewhere.example",
                ])
                #expect(wrongName.status != 0, "a name not in the SANs must fail verification")
            }
        }
    }

    /// Mutual TLS as PostgreSQL's `clientcert=verify-full` does it: the server demands a client
    /// certificate from our CA.
    @Test func testClientCertificate_isAcceptedByAServerThatRequiresOne() throws {
        try Support.withTemporaryDirectory { directory in
            let store = CertificateStore(layout: CertificateLayout(StateLayout(root: directory)))
            _ = try store.ensure(services: [.postgresBackend], apps: [.backend], hostNames: [], now: Support.realNow)
            let server = store.layout.server(.postgresBackend)
            let client = store.layout.client(.backend)
            let ca = store.layout.ca.certificate
            try withServer(["-cert", server.certificate, "-key", server.key, "-CAfile", ca, "-Verify", "1", "-verify_return_error"]) { port in
                let withCertificate = try Support.openssl([
                    "s_client", "-connect", "127.0.0.1:\(port)", "-CAfile", ca, "-verify_return_error", "-verify_hostname", "localhost",
                    "-cert", client.certificate, "-key", client.key,
                ])
                #expect(withCertificate.status == 0, "\(withCertificate.output)")
                #expect(withCertificate.stdout.contains("Verify return code: 0 (ok)"))
            }
        }
    }
}
