import AegisCore
import Foundation
import Glibc
import Testing

@testable import AegisSystem

@Suite("ControlServer")
struct ControlServerTests {
    @Test func statusRoundTrip() async throws {
        let server = try ControlTestServer()
        let path = server.path
        let reply = try await offPool {
            try ControlClient.send(ControlRequest.status, socketPath: path, timeout: .seconds(5))
        }
        await server.shutdown()
        #expect(reply.ok)
        #expect(reply.status == ControlTestServer.report)
    }

    /// Every bad request gets an error reply, and the server goes on serving the next client.
    @Test(arguments: [
        ("malformed JSON", Array(#"{"v":1,"command":"#.utf8) + [0x0A], ControlError.Code.badRequest),
        ("non-object", Array("[1,2,3]\n".utf8), .badRequest),
        ("unknown command", Array(#"{"v":1,"command":"explode"}"#.utf8) + [0x0A], .badRequest),
        ("wrong version", Array(#"{"v":99,"command":"status"}"#.utf8) + [0x0A], .unsupportedVersion),
        ("binary garbage", [0x00, 0xFF, 0x13, 0x37, 0xC3, 0x28, 0x0A], .badRequest),
    ])
    func badRequestGetsErrorAndServerKeepsServing(_ name: String, _ bytes: [UInt8], _ code: ControlError.Code) async throws {
        let server = try ControlTestServer()
        let path = server.path
        let (bad, next) = try await offPool {
            let connection = try RawControlConnection(path: path)
            connection.send(bytes)
            let bad = try connection.reply()
            let next = try ControlClient.send(ControlRequest.status, socketPath: path, timeout: .seconds(5))
            return (bad, next)
        }
        await server.shutdown()
        #expect(bad?.ok == false, "\(name)")
        #expect(bad?.error?.code == code, "\(name): \(String(describing: bad))")
        #expect(next.ok)
    }

    @Test func oversizedRequestIsRefusedAndClosed() async throws {
        let server = try ControlTestServer()
        let path = server.path
        let (refusal, afterwards, next) = try await offPool {
            let connection = try RawControlConnection(path: path)
            connection.send([UInt8](repeating: UInt8(ascii: "a"), count: 70 * 1024))
            let refusal = try connection.reply()
            let afterwards = try connection.reply()
            let next = try ControlClient.send(ControlRequest.status, socketPath: path, timeout: .seconds(5))
            return (refusal, afterwards, next)
        }
        await server.shutdown()
        #expect(refusal?.error == ControlError(code: .badRequest, message: "request larger than 65536 bytes"))
        #expect(afterwards == nil, "the server closes after an oversized request")
        #expect(next.ok)
    }

    @Test func severalRequestsOnOneConnection() async throws {
        let server = try ControlTestServer()
        let path = server.path
        let replies = try await offPool {
            let connection = try RawControlConnection(path: path)
            // Two requests in one write, then a third after the first replies arrived.
            connection.send(#"{"v":1,"command":"version"}"# + "\n" + #"{"v":1,"command":"bogus"}"# + "\n")
            let first = try connection.reply()
            let second = try connection.reply()
            connection.send(#"{"v":1,"command":"status"}"# + "\n")
            return [first, second, try connection.reply()]
        }
        await server.shutdown()
        #expect(replies[0]?.version?.daemon == "9.9.9")
        #expect(replies[1]?.error?.code == .badRequest)
        #expect(replies[2]?.status == ControlTestServer.report)
    }

    /// `printf '{…}' | socat - UNIX-CONNECT:…`: no newline, then end of input.
    @Test func halfClosedRequestWithoutNewlineIsAnswered() async throws {
        let server = try ControlTestServer()
        let path = server.path
        let (reply, end) = try await offPool {
            let connection = try RawControlConnection(path: path)
            connection.send(#"{"v":1,"command":"version"}"#)
            connection.finishSending()
            return (try connection.reply(), try connection.reply())
        }
        await server.shutdown()
        #expect(reply?.ok == true)
        #expect(end == nil)
    }

    @Test func silentClientDoesNotBlockOthers() async throws {
        let server = try ControlTestServer()
        let path = server.path
        let elapsed = try await offPool {
            let silent = try RawControlConnection(path: path)
            let partial = try RawControlConnection(path: path)
            partial.send(#"{"v":1,"#)
            let clock = ContinuousClock()
            let elapsed = try clock.measure {
                for _ in 0..<3 {
                    _ = try ControlClient.send(ControlRequest.status, socketPath: path, timeout: .seconds(4))
                }
            }
            _ = (silent.fd, partial.fd)  // both stay connected while the others are served
            return elapsed
        }
        await server.shutdown()
        #expect(elapsed < .seconds(2))
    }

    /// A client that starts a request and never finishes it is told so and dropped after 5 s.
    @Test func incompleteRequestTimesOut() async throws {
        let server = try ControlTestServer()
        let path = server.path
        let (reply, end, waited) = try await offPool {
            let connection = try RawControlConnection(path: path)
            let start = ContinuousClock.now
            connection.send(#"{"v":1,"command":"#)
            let reply = try connection.reply(within: .seconds(10))
            return (reply, try connection.reply(), ContinuousClock.now - start)
        }
        await server.shutdown()
        #expect(reply?.error?.code == .badRequest)
        #expect(reply?.error?.message.contains("incomplete request") == true)
        #expect(end == nil)
        #expect(waited >= .seconds(4) && waited < .seconds(8))
    }

    @Test func socketFileIsMode0660AndRemovedOnStop() async throws {
        let directory = try ControlTestServer.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // The parent directory does not exist yet: the server creates it.
        let server = try ControlTestServer(socketGroup: 65534, path: "\(directory)/run/aegis/aegisd.sock")
        let info = try #require(UnixSocket.status(of: server.path))
        let parent = try #require(UnixSocket.status(of: "\(directory)/run/aegis"))
        await server.shutdown()
        #expect(UnixSocket.isSocket(info))
        #expect(info.st_mode & 0o7777 == 0o660)
        #expect(parent.st_mode & 0o7777 == 0o755)
        if geteuid() == 0 {
            #expect(info.st_uid == 0)
            #expect(info.st_gid == 65534)
        }
        #expect(UnixSocket.status(of: server.path) == nil, "the socket file is removed on stop")
    }

    @Test func staleSocketIsReplaced() async throws {
        let directory = try ControlTestServer.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = "\(directory)/aegisd.sock"
        // A socket file nobody listens on: what a killed daemon leaves behind.
        let dead = try UnixSocket.makeStream()
        #expect(UnixSocket.withAddress(path) { bind(dead, $0, $1) } == 0)
        close(dead)
        #expect(UnixSocket.status(of: path) != nil)

        let server = try ControlTestServer(path: path)
        let reply = try await offPool {
            try ControlClient.send(ControlRequest.version, socketPath: path, timeout: .seconds(5))
        }
        await server.shutdown()
        #expect(reply.ok)
    }

    @Test func secondServerOnALivePathRefusesToStart() async throws {
        let first = try ControlTestServer()
        let second = try ControlTestServer(path: first.path, start: false)
        #expect {
            try second.server.listen()
        } throws: { error in
            (error as? ControlServerError)?.code == .alreadyRunning
        }
        let path = first.path
        let reply = try await offPool {
            try ControlClient.send(ControlRequest.status, socketPath: path, timeout: .seconds(5))
        }
        #expect(reply.ok, "the first server still serves")
        await second.shutdown()
        await first.shutdown()
    }

    @Test func aPathThatIsNotASocketIsLeftAlone() async throws {
        let directory = try ControlTestServer.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = "\(directory)/aegisd.sock"
        _ = FileManager.default.createFile(atPath: path, contents: Data("keep me".utf8))
        let server = try ControlTestServer(path: path, start: false)
        #expect {
            try server.server.listen()
        } throws: { error in
            (error as? ControlServerError)?.code == .unusablePath
        }
        #expect(FileManager.default.contents(atPath: path) == Data("keep me".utf8))
        await server.shutdown()
    }
}
