import AegisCore
import AegisSystem
import Glibc
import Logging
import Testing

/// The listener of `/metrics` on loopback, IPv4 and IPv6, with a real socket and a real client.
@Suite(.serialized) struct MetricsServerTests {
    /// A port the kernel just handed out (bound to port 0, then released).
    static func freePort(family: Int32) throws -> Int {
        let fd = socket(family, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        storage.ss_family = sa_family_t(family)
        let bound = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { address -> Int32 in
                guard bind(fd, address, socklen_t(family == AF_INET6 ? MemoryLayout<sockaddr_in6>.size : MemoryLayout<sockaddr_in>.size)) == 0
                else { return -1 }
                return getsockname(fd, address, &length)
            }
        }
        guard bound == 0 else { throw SystemError.errno("free port") }
        // sin_port and sin6_port sit at the same offset, in network order.
        let port = withUnsafeBytes(of: &storage) { UInt16($0[2]) << 8 | UInt16($0[3]) }
        return Int(port)
    }

    static func scrape(host: String, port: Int) throws -> String {
        let connection = try StreamConnector.connect(host: host, port: port, timeout: .seconds(5), tls: nil)
        try connection.write(Array("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
        var bytes: [UInt8] = []
        while case let chunk = try connection.read(), !chunk.isEmpty { bytes += chunk }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test(arguments: [("127.0.0.1", AF_INET), ("::1", AF_INET6)])
    func testServesOnLoopback_ofEitherFamily(address: String, family: Int32) throws {
        let port = try Self.freePort(family: family)
        let server = MetricsServer(endpoint: MetricsEndpoint(address: address, port: port), logger: Logger(label: "test")) { _ in
            "aegis_test 1\n"
        }
        try server.listen()
        server.start()
        defer { server.stop() }
        let answer = try Self.scrape(host: address, port: port)
        #expect(answer.hasPrefix("HTTP/1.1 200 OK\r\n") && answer.hasSuffix("\r\n\r\naegis_test 1\n"))

        // A second listener on the same port is refused with what to change.
        let twin = MetricsServer(endpoint: MetricsEndpoint(address: address, port: port), logger: Logger(label: "test")) { _ in "" }
        #expect {
            try twin.listen()
        } throws: { error in
            "\(error)".contains("cannot listen on") && "\(error)".contains("[metrics] port or listen")
        }
    }

    /// The accept thread sleeps until a client or the stop: `stop()` returns with the port
    /// free again, whether the loop was started or only the port bound.
    @Test func testStop_releasesThePort_startedOrNot() throws {
        let port = try Self.freePort(family: AF_INET)
        let endpoint = MetricsEndpoint(address: "127.0.0.1", port: port)
        for started in [true, false] {
            let server = MetricsServer(endpoint: endpoint, logger: Logger(label: "test")) { _ in "aegis_test 1\n" }
            try server.listen()
            if started {
                server.start()
                #expect(try Self.scrape(host: "127.0.0.1", port: port).hasSuffix("aegis_test 1\n"))
            }
            server.stop()
            let next = MetricsServer(endpoint: endpoint, logger: Logger(label: "test")) { _ in "" }
            try next.listen()
            next.stop()
        }
    }

    @Test func testANonNumericAddress_isRefusedWithoutResolvingIt() {
        let server = MetricsServer(endpoint: MetricsEndpoint(address: "localhost", port: 9464), logger: Logger(label: "test")) { _ in "" }
        #expect {
            try server.listen()
        } throws: { error in
            "\(error)".contains("localhost is not a numeric IPv4 or IPv6 address")
        }
    }
}
