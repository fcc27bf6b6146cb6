import AegisCore
import AegisSystem
import Foundation
import Glibc
import Testing

/// aegisd's libssl client (`TLSConnection`, under `HTTPProbe` and `LokiPusher`) against a real
/// `openssl s_server` presenting certificates from the built-in CA: it verifies the chain and
/// the name, insists on TLS 1.2, and says exactly why when it refuses.
@Suite(.serialized) struct TLSConnectionTests {
    typealias Support = TLSTestSupport

    /// A CA tree with a Loki server certificate, as `[loki] tls` makes it.
    func lokiCertificates(in directory: String) throws -> (server: CertificateLayout.Pair, ca: String) {
        let store = CertificateStore(layout: CertificateLayout(StateLayout(root: directory)))
        _ = try store.ensure(services: [.loki], apps: [], hostNames: ["aegis-host"], now: Support.realNow)
        return (store.layout.server(.loki), store.layout.ca.certificate)
    }

    func probeError(_ port: Int, _ settings: TLSClientSettings) -> String {
        do {
            let answer = try HTTPProbe.get(port: port, path: "/ready", timeout: .seconds(5), tls: settings)
            return "answered \(answer.status)"
        } catch {
            return error.message
        }
    }

    @Test func testProbe_overTLS_verifiesTheChainAndTheName_byDNSNameAndByAddress() throws {
        try Support.withTemporaryDirectory { directory in
            let (server, ca) = try lokiCertificates(in: directory)
            try Support.withOpenSSLServer(["-cert", server.certificate, "-key", server.key]) { serverPort in
                let port = Int(serverPort)
                for name in ["localhost", "aegis-host", "127.0.0.1"] {
                    let answer = try HTTPProbe.get(
                        port: port, path: "/ready", timeout: .seconds(5), tls: TLSClientSettings(caFile: ca, serverName: name))
                    #expect(answer.status == 200, "\(name)")
                }
                let socket = try SocketConnection(host: "localhost", port: port, timeout: .seconds(5))
                let connection = try TLSConnection(
                    over: socket, settings: TLSClientSettings(caFile: ca, serverName: "localhost"), peer: "localhost:\(port)")
                #expect(["TLSv1.2", "TLSv1.3"].contains(connection.protocolVersion))
            }
        }
    }

    @Test func testACertificateFromAnotherCA_isRefused_namingTheReasonPeerAndCAFile() throws {
        try Support.withTemporaryDirectory { directory in
            let (server, _) = try lokiCertificates(in: "\(directory)/theirs")
            let (_, ourCA) = try lokiCertificates(in: "\(directory)/ours")
            try Support.withOpenSSLServer(["-cert", server.certificate, "-key", server.key]) { serverPort in
                let port = Int(serverPort)
                let message = probeError(port, TLSClientSettings(caFile: ourCA, serverName: "localhost"))
                #expect(message.contains("certificate verify failed: unable to get local issuer certificate"), "\(message)")
                #expect(message.contains("127.0.0.1:\(port)") && message.contains("CA file \(ourCA)"), "\(message)")
            }
        }
    }

    @Test func testANameNotInTheCertificate_isRefused() throws {
        try Support.withTemporaryDirectory { directory in
            let (server, ca) = try lokiCertificates(in: directory)
            try Support.withOpenSSLServer(["-cert", server.certificate, "-key", server.key]) { serverPort in
                let port = Int(serverPort)
                let message = probeError(port, TLSClientSettings(caFile: ca, serverName: "elsewhere.example"))
                #expect(message.contains("certificate verify failed: hostname mismatch"), "\(message)")
                #expect(message.contains("expected name elsewhere.example"), "\(message)")
                let address = probeError(port, TLSClientSettings(caFile: ca, serverName: "10.9.8.7"))
                #expect(address.contains("certificate verify failed: IP address mismatch"), "\(address)")
            }
        }
    }

    @Test func testASelfSignedServer_isRefusedByTheSystemStore() throws {
        try Support.withTemporaryDirectory { directory in
            let (server, _) = try lokiCertificates(in: directory)
            try Support.withOpenSSLServer(["-cert", server.certificate, "-key", server.key]) { serverPort in
                let port = Int(serverPort)
                let message = probeError(port, TLSClientSettings(caFile: nil, serverName: "localhost"))
                #expect(message.contains("certificate verify failed") && message.contains("the system's CA store"), "\(message)")
            }
        }
    }

    @Test func testAServerOfferingOnlyTLS11_isRefused() throws {
        try Support.withTemporaryDirectory { directory in
            let (server, ca) = try lokiCertificates(in: directory)
            // OpenSSL 3 needs security level 0 to offer TLS 1.1 at all.
            try Support.withOpenSSLServer(["-cert", server.certificate, "-key", server.key, "-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0"]) { serverPort in
                let port = Int(serverPort)
                let message = probeError(port, TLSClientSettings(caFile: ca, serverName: "localhost"))
                #expect(message.hasPrefix("TLS handshake with 127.0.0.1:\(port): "), "\(message)")
                #expect(message.contains("unsupported protocol") || message.contains("protocol version"), "\(message)")
            }
        }
    }

    @Test func testAPlainHTTPServer_isRecognised() throws {
        try Support.withTemporaryDirectory { directory in
            let (_, ca) = try lokiCertificates(in: directory)
            let listener = try PlainHTTPListener()
            let message = probeError(listener.port, TLSClientSettings(caFile: ca, serverName: "localhost"))
            #expect(message.contains("wrong version number") && message.contains("is it plain http?"), "\(message)")
        }
    }

    @Test func testAMissingCAFile_isNamed() throws {
        try Support.withTemporaryDirectory { directory in
            let (server, _) = try lokiCertificates(in: directory)
            try Support.withOpenSSLServer(["-cert", server.certificate, "-key", server.key]) { serverPort in
                let port = Int(serverPort)
                let message = probeError(port, TLSClientSettings(caFile: "\(directory)/nope.crt", serverName: "localhost"))
                #expect(message.contains("cannot read the CA file \(directory)/nope.crt: No such file or directory"), "\(message)")
            }
        }
    }
}

/// One loopback listener that answers whatever arrives with a plain-text HTTP 400, as a plain
/// http server does when a TLS ClientHello reaches it.
final class PlainHTTPListener: @unchecked Sendable {
    let port: Int
    private let fd: Int32

    init() throws {
        port = Int(try TLSTestSupport.freePort())
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 8) == 0 else { throw SystemError.errno("listen") }
        let listener = fd
        Thread {
            while true {
                let client = accept(listener, nil, nil)
                if client < 0 { return }
                var buffer = [UInt8](repeating: 0, count: 4096)
                _ = recv(client, &buffer, buffer.count, 0)
                let answer = Array("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8)
                _ = answer.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                close(client)
            }
        }.start()
    }

    deinit {
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
    }
}
