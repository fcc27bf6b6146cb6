import AegisCore
import Foundation
import Glibc
import Logging
import Synchronization

@testable import AegisSystem
import AegisTestSupport

/// A real `ControlServer` on a socket in a fresh temporary directory, answering with a fake
/// daemon (the handler closure is the seam between the socket and the supervisor).
final class ControlTestServer: Sendable {
    let directory: String
    let path: String
    let server: ControlServer
    private let task: Mutex<Task<Void, any Error>?> = Mutex(nil)

    /// Creates (and by default starts) a server; `path` defaults to `<tmpdir>/aegisd.sock`.
    init(
        socketGroup: gid_t? = nil, path: String? = nil, start: Bool = true,
        handler: @escaping ControlServer.Handler = ControlTestServer.fakeDaemon
    ) throws {
        directory = try Self.makeTemporaryDirectory()
        self.path = path ?? "\(directory)/aegisd.sock"
        var logger = Logger(label: "control-test")
        logger.logLevel = .critical
        server = ControlServer(path: self.path, socketGroup: socketGroup, handler: handler, logger: logger)
        if start { try self.start() }
    }

    /// Binds synchronously, so the socket is accepting before this returns, then serves.
    func start() throws {
        try server.listen()
        let server = self.server
        task.withLock { $0 = Task { try await server.run() } }
    }

    /// Cancels `run()` and waits for it to return, then removes the directory.
    func shutdown() async {
        let running = task.withLock { $0 }
        running?.cancel()
        _ = try? await running?.value
        server.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    static func makeTemporaryDirectory() throws -> String {
        var template = Array("/tmp/aegis-ctl-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        return String(cString: made)
    }

    static let report = StatusReport(
        daemon: DaemonStatus(version: AegisVersion.current, pid: 4242, uptimeSeconds: 93, ready: false),
        services: [
            ServiceStatus(name: "postgres-backend", state: .running, healthy: true, pid: 1234, restarts: 0, port: 5432, sinceSeconds: 3725),
            ServiceStatus(name: "redis", state: .backoff, healthy: false, pid: nil, restarts: 3, message: "exited with status 1"),
        ])

    /// status and version answer; start/stop/restart succeed except for loki, which fails.
    static let fakeDaemon: ControlServer.Handler = { request in
        switch request {
        case .status: return .success(.status(report))
        case .version: return .success(.version(VersionInfo(daemon: "9.9.9")))
        case .start(let service), .stop(let service), .restart(let service):
            if service == .loki { return .failure(.failed, "loki: binary not found") }
            return .success("\(service.rawValue): \(request.command.rawValue) requested")
        case .logs(let service, let last, let after):
            // Three entries numbered 1…3; `-n` takes the newest, `after` what follows a number.
            let all = (1...3).map {
                LogLineReport(sequence: $0, timestampNs: 1_700_000_000_000_000_000 + Int64($0), level: $0 == 2 ? "error" : "info",
                              stream: "stderr", line: "line \($0) of \(service.rawValue)")
            }
            let wanted = after.map { after in all.filter { $0.sequence > after } } ?? Array(all.suffix(last ?? 10))
            return .success(.logs(wanted))
        case .backup, .backups, .remoteBackups, .prunePlan, .restore, .verify, .reload, .certsStatus, .certsRotate, .connectInfo,
            .migrateStatus, .stats, .maintenanceList, .maintenanceRun, .pitrBackup, .pitrStatus, .pitrRestore, .pitrDrill,
            .replicationBundle, .promote, .replicationReseed, .replicationRejoin, .replicationDropSlot:
            return .failure(.failed, "this test handler keeps no backups")
        }
    }
}

/// Runs blocking work (sockets, child processes) on its own thread. The server's handler runs
/// on the cooperative pool; blocking pool threads in tests could starve it on a 2-core machine.
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

/// A hand-driven client connection, for sending what `ControlClient` never would.
final class RawControlConnection {
    let fd: Int32
    private var reader = SocketLineReader(limit: 1 << 20)

    init(path: String) throws {
        let fd = try UnixSocket.makeStream()
        let result = UnixSocket.connect(fd, path: path, deadline: .now + .seconds(5))
        guard result == 0 else {
            close(fd)
            throw UnixSocket.Failure(operation: "connect", code: result)
        }
        self.fd = fd
    }

    deinit { close(fd) }

    func send(_ bytes: [UInt8]) {
        _ = UnixSocket.sendAll(fd, bytes, deadline: .now + .seconds(5))
    }

    func send(_ text: String) { send(Array(text.utf8)) }

    /// No more requests from this side (half-close).
    func finishSending() { shutdown(fd, Int32(SHUT_WR)) }

    /// The next reply, decoded; nil if the server closed instead.
    func reply(within timeout: Duration = .seconds(10)) throws -> ControlReply? {
        switch reader.next(from: fd, deadline: .now + timeout) {
        case .line(let line): return try ControlCodec.decodeReply(line)
        case .end: return nil
        case let other: throw ControlCodecError(message: "no reply: \(other)")
        }
    }
}

/// Tools the end-to-end tests need, looked up once (outside the suites: a suite's traits cannot
/// refer to the suite's own members).
enum ControlTestEnvironment {
    static let setpriv = ["/usr/bin/setpriv", "/bin/setpriv"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// `swift build --build-tests` puts the executable beside the test bundle.
    static let aegisctl: String? = {
        let bundle = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var directory = URL(fileURLWithPath: bundle).deletingLastPathComponent()
        for _ in 0..<3 {
            let candidate = directory.appendingPathComponent("aegisctl").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory.deleteLastPathComponent()
        }
        return nil
    }()

    static func run(_ executable: String, _ arguments: [String]) throws -> (Int32, String, String) {
        let result = try ExternalCommand.run(executable, arguments)
        return (result.status, result.output, result.errors)
    }
}
