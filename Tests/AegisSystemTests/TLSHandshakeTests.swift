import AegisCore
import AegisSystem
import Foundation
import Glibc
import Testing

/// A real TLS handshake between `openssl s_server` and `openssl s_client` with the files the
/// store wrote: what PostgreSQL, Redis and their clients will do with them.
@Suite struct TLSHandshakeTests {
    typealias Support = TLSTestSupport

    @Test func testServerCertificate_verifiesInARealHandshake() throws {
        try Support.withTemporaryDirectory { directory in
            let store = CertificateStore(layout: CertificateLayout(StateLayout(root: directory)))
            _ = try store.ensure(services: [.redis], apps: [.backend], hostNames: ["aegis-host"], now: Support.realNow)
            let server = store.layout.server(.redis)
            let ca = store.layout.ca.certificate
            try Support.withOpenSSLServer(["-cert", server.certificate, "-key", server.key]) { port in
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
            try Support.withOpenSSLServer(["-cert", server.certificate, "-key", server.key, "-CAfile", ca, "-Verify", "1", "-verify_return_error"]) { port in
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
