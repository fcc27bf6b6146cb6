import AegisCore
import AegisSystem
import Foundation
import Glibc
import Testing

/// The rclone adapter's own guarantees, with the real rclone: a store that accepts connections
/// and never answers is cut off at the deadline, and an open configuration file is refused
/// before rclone runs.
@Suite struct RcloneTests {
    /// A TCP listener on loopback that never accepts: connections complete in the kernel's
    /// backlog, and no byte ever comes back (a hung or crawling store).
    static func silentListener() throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = in_addr_t(UInt32(0x7F00_0001).bigEndian)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else { throw SystemError.errno("listen") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    static func config(endpointPort: Int, mode: mode_t = 0o600) throws -> (directory: String, file: String) {
        let directory = try ControlTestServer.makeTemporaryDirectory()
        let file = "\(directory)/rclone.conf"
        try """
            [store]
            type = s3
            provider = SeaweedFS
            access_key_id = key
            secret_access_key = secret
            endpoint = http://127.0.0.1:\(endpointPort)

            """.write(toFile: file, atomically: true, encoding: .utf8)
        chmod(file, mode)
        return (directory, file)
    }

    @Test func testAStoreThatNeverAnswers_isCutOffAtTheDeadline() async throws {
        let listener = try Self.silentListener()
        defer { close(listener.fd) }
        let (directory, file) = try Self.config(endpointPort: listener.port)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let rclone = try Rclone(configFile: file, timeout: .seconds(2))
        let error = await #expect(throws: SystemError.self) {
            try await rclone.upload(file, to: "store:bucket/x/rclone.conf")
        }
        #expect(error?.message.contains("did not finish within 2 s (offsite.upload_timeout_s) and was killed") == true, "\(String(describing: error))")
        // Killed with its process group: no rclone of this test is left.
        let pids = (try FileManager.default.contentsOfDirectory(atPath: "/proc")).compactMap(Int32.init)
        #expect(!pids.contains { ProcessTable.commandLine($0).contains(file) })
    }

    @Test func testAConfigurationOthersCanRead_isRefused_namingTheFix() throws {
        let (directory, file) = try Self.config(endpointPort: 9, mode: 0o644)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let error = #expect(throws: SystemError.self) { try Rclone(configFile: file, timeout: .seconds(5)) }
        #expect(error?.message == "offsite.rclone_config \(file) is readable by others (mode 644): it holds the store's credentials; run chmod 600 \(file)")
    }
}
