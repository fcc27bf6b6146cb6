import AegisCore
import AegisSystem
import Foundation
import Glibc
import Testing
import AegisTestSupport

/// Helpers for the TLS tests: temporary state directories, the real `openssl` CLI, and a
/// clock. Certificates that `openssl verify` must accept are issued at the real time, since
/// the CLI checks them against it; nothing asserts on the wall clock itself.
enum TLSTestSupport {
    static let openssl = "/usr/bin/openssl"

    static var realNow: UTCTimestamp {
        UTCTimestamp(secondsSinceEpoch: Int64(Date().timeIntervalSince1970))
    }

    /// A fresh directory, removed by `body`'s end.
    static func withTemporaryDirectory<T>(_ body: (String) throws -> T) throws -> T {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("aegis-tls-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        return try body(directory.path)
    }

    static func write(_ text: String, to path: String, mode: mode_t = 0o600) throws {
        try FileSystem.writeAtomically(path, contents: text, mode: mode)
    }

    /// A certificate file and its key file.
    struct Files {
        var certificate: String
        var key: String
    }

    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
        var output: String { stdout + stderr }
    }

    /// Runs `openssl` with `arguments`, stdin from /dev/null.
    static func openssl(_ arguments: [String]) throws -> Outcome {
        try run(openssl, arguments)
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> Outcome {
        let id = UUID().uuidString
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("tls-out-\(id)")
        let errorPath = FileManager.default.temporaryDirectory.appendingPathComponent("tls-err-\(id)")
        try Data().write(to: outputPath)
        try Data().write(to: errorPath)
        defer {
            try? FileManager.default.removeItem(at: outputPath)
            try? FileManager.default.removeItem(at: errorPath)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let stdout = try FileHandle(forWritingTo: outputPath)
        let stderr = try FileHandle(forWritingTo: errorPath)
        defer {
            try? stdout.close()
            try? stderr.close()
        }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        process.waitUntilExit()
        return Outcome(
            status: process.terminationStatus,
            stdout: String(decoding: try Data(contentsOf: outputPath), as: UTF8.self),
            stderr: String(decoding: try Data(contentsOf: errorPath), as: UTF8.self))
    }

    /// Issues a CA (and leaves) into `directory` and returns the CA's pair of files.
    static func writeCA(_ ca: CertificateAuthority, in directory: String, name: String = "ca") throws -> Files {
        let pair = Files(certificate: "\(directory)/\(name).crt", key: "\(directory)/\(name).key")
        try write(try ca.certificate.pemEncoded(), to: pair.certificate, mode: 0o644)
        try write(try ca.key.pemEncoded(), to: pair.key)
        return pair
    }

    static func writePair(_ certificate: Certificate, key: PrivateKey, in directory: String, name: String) throws -> Files {
        let pair = Files(certificate: "\(directory)/\(name).crt", key: "\(directory)/\(name).key")
        try write(try certificate.pemEncoded(), to: pair.certificate, mode: 0o644)
        try write(try key.pemEncoded(), to: pair.key)
        return pair
    }

    static func mode(of path: String) -> mode_t {
        var info = stat()
        #expect(stat(path, &info) == 0, "stat \(path)")
        return info.st_mode & 0o7777
    }

    /// A loopback TCP port that was free a moment ago.
    static func freePort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SystemError.errno("socket") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw SystemError.errno("bind") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return UInt16(bigEndian: address.sin_port)
    }

    /// Returns once something accepts TCP connections on 127.0.0.1:`port`, within 10 s.
    static func waitForListener(port: UInt16) throws {
        try Poll.untilBlocking("a listener on 127.0.0.1:\(port)", timeout: .seconds(10), every: .milliseconds(50)) {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = port.bigEndian
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            close(fd)
            return connected == 0
        }
    }

    /// Runs `openssl s_server -www` (answers any GET with 200 and a status page) on a free
    /// loopback port for the duration of `body`.
    static func withOpenSSLServer(_ arguments: [String], _ body: (UInt16) throws -> Void) throws {
        let port = try freePort()
        let server = Process()
        server.executableURL = URL(fileURLWithPath: openssl)
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
        try waitForListener(port: port)
        try body(port)
    }
}
