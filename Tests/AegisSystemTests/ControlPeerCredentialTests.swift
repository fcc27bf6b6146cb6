import AegisCore
import Foundation
import Glibc
import Testing

@testable import AegisSystem

/// The SO_PEERCRED check end to end: a client running as `nobody` connects to a socket whose
/// mode (0666, set only for these tests) lets the kernel admit it, so the answer comes from the
/// server's own check. The pure rule is table-tested in AegisCoreTests (ControlPeerPolicy).
@Suite(
    "ControlServer peer credentials",
    .enabled(if: ControlTestEnvironment.setpriv != nil, "setpriv (util-linux) is not installed"),
    .enabled(if: geteuid() == 0, "needs root to run a client as nobody")
)
struct ControlPeerCredentialTests {
    /// Connects, sends a status request and prints the reply line (python3 from the system, not
    /// a per-user install that nobody could not read).
    static let client = """
        import socket, sys
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(5)
        s.connect(sys.argv[1])
        s.sendall(b'{"v":1,"command":"status"}\\n')
        print(s.makefile().readline(), end="")
        """

    @Test func strangerIsRefused() async throws {
        let reply = try await runAsNobody(socketGroup: 4242, extraGroups: [])
        #expect(reply.ok == false)
        #expect(reply.error?.code == .permissionDenied)
    }

    @Test func primaryGroupMemberIsServed() async throws {
        let reply = try await runAsNobody(socketGroup: 65534, extraGroups: [])
        #expect(reply.ok)
        #expect(reply.status == ControlTestServer.report)
    }

    @Test func supplementaryGroupMemberIsServed() async throws {
        let reply = try await runAsNobody(socketGroup: 4243, extraGroups: [4243])
        #expect(reply.ok)
    }

    private func runAsNobody(socketGroup: gid_t, extraGroups: [gid_t]) async throws -> ControlReply {
        let server = try ControlTestServer(socketGroup: socketGroup)
        #expect(chmod(server.directory, 0o755) == 0)
        #expect(chmod(server.path, 0o666) == 0)
        let path = server.path
        let groups = extraGroups.isEmpty
            ? ["--clear-groups"] : ["--groups=\(extraGroups.map(String.init).joined(separator: ","))"]
        let arguments = ["--reuid=nobody", "--regid=nogroup"] + groups + ["/usr/bin/python3", "-I", "-c", Self.client, path]
        let (status, output, errors) = try await offPool { try ControlTestEnvironment.run(ControlTestEnvironment.setpriv!, arguments) }
        await server.shutdown()
        #expect(status == 0, "client failed: \(errors)")
        return try ControlCodec.decodeReply(Array(output.utf8))
    }
}
