import AegisCore
import Foundation
import Glibc

/// Delivers one alert notification to one target: a command with the JSON on standard input,
/// or an HTTP POST of the JSON. Blocking and bounded by `timeout`: run it off the cooperative
/// pool (`runBlocking`).
public enum NotificationDelivery {
    /// Runs `argv` (no shell) with `input` on standard input; its output is discarded. Throws
    /// unless it exits 0 within `timeout` (then it is killed). `running` is told the pid while
    /// the command runs (`true`) and when it is gone (`false`), so that a stopping aegisd can
    /// kill what still runs.
    public static func run(
        _ argv: [String], input: [UInt8], timeout: Duration, running: @Sendable (Int32, Bool) -> Void = { _, _ in }
    ) throws(SystemError) {
        guard let program = argv.first else { throw SystemError("no command") }
        // Checked here because behind setpriv a missing program would be an exit status (127).
        guard FileSystem.isExecutable(program) else { throw SystemError("cannot run \(program): no such executable file") }
        let process = Process()
        // setpriv execs the command with a parent-death signal where one is needed
        // (`ChildProcess.parentDeathSignal`), so that it dies with aegisd even when aegisd is
        // SIGKILLed. The signal follows the thread that forked, this one, which waits below
        // until the command is gone.
        let signal = ChildProcess.parentDeathSignal
        if !signal.isEmpty {
            process.executableURL = URL(fileURLWithPath: ChildProcess.setprivPath)
            process.arguments = signal + ["--"] + argv
        } else {
            process.executableURL = URL(fileURLWithPath: program)
            process.arguments = Array(argv.dropFirst())
        }
        let stdin = Pipe()
        process.standardInput = stdin
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        do {
            try process.run()
        } catch {
            throw SystemError("cannot run \(program): \(error)")
        }
        let pid = process.processIdentifier
        running(pid, true)
        defer { running(pid, false) }
        // A command that exits without reading is fine; the JSON fits a pipe's buffer.
        try? stdin.fileHandleForWriting.write(contentsOf: input)
        try? stdin.fileHandleForWriting.close()
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        if exited.wait(timeout: .now() + seconds) == .timedOut {
            kill(process.processIdentifier, SIGKILL)
            exited.wait()
            throw SystemError("\(program) did not finish within \(timeout.components.seconds) s and was killed")
        }
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            let how = process.terminationReason == .exit ? "exited \(process.terminationStatus)" : "was killed by signal \(process.terminationStatus)"
            throw SystemError("\(program) \(how)")
        }
    }

    /// POSTs `body` (JSON) to `endpoint`; throws unless the answer is 2xx within `timeout`.
    public static func post(
        _ body: [UInt8], to endpoint: WebhookEndpoint, caFile: String?, timeout: Duration
    ) throws(SystemError) {
        let tls = endpoint.secure ? TLSClientSettings(caFile: caFile, serverName: endpoint.host) : nil
        let head = "POST \(endpoint.path) HTTP/1.1\r\nHost: \(endpoint.host):\(endpoint.port)\r\n"
            + "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n"
            + "User-Agent: aegisd/\(AegisVersion.current)\r\nConnection: close\r\n\r\n"
        let connection = try StreamConnector.connect(host: endpoint.host, port: endpoint.port, timeout: timeout, tls: tls)
        try connection.write(Array(head.utf8) + body)
        let response = try HTTPResponseReader.read(from: connection, maxBodyBytes: 512, peer: "\(endpoint.host):\(endpoint.port)")
        let (status, answer) = (response.status, response.bodyText)
        guard (200..<300).contains(status) else {
            throw SystemError("HTTP \(status)" + (answer.isEmpty ? "" : ": \(answer.prefix(200))"))
        }
    }
}
