import AegisCore
import AegisSystem
import ArgumentParser

/// One request to the daemon, with the failures turned into messages and exit codes so that
/// every command reports them the same way.
enum DaemonExchange {
    /// Returns a successful reply; otherwise prints why to stderr and throws the exit code.
    static func send(_ request: ControlRequest, options: GlobalOptions, timeout: Duration) throws -> ControlReply {
        let reply = try reach(request, options: options, timeout: timeout)
        guard reply.ok else {
            printError("error: \(reply.error?.message ?? "the daemon reported a failure without a message")")
            throw ExitCode(ExitStatus.daemonError)
        }
        return reply
    }

    /// Returns any reply, even an error reply; throws only when there is no reply.
    static func reach(_ request: ControlRequest, options: GlobalOptions, timeout: Duration) throws -> ControlReply {
        let path = try options.socketPath()
        do {
            return try ControlClient.send(request, socketPath: path, timeout: options.replyTimeout(default: timeout))
        } catch {
            printError("error: \(error)")
            throw ExitCode(exitStatus(for: error))
        }
    }

    /// Not reachable (no socket, nobody listening) is 3; a bad path is a configuration error;
    /// everything else (refused permission, timeout, garbled reply) means the operation failed.
    static func exitStatus(for error: ControlClientError) -> Int32 {
        switch error {
        case .notReachable: ExitStatus.notReachable
        case .invalidSocketPath: ExitStatus.usage
        case .permissionDenied, .timedOut, .protocolError, .io: ExitStatus.daemonError
        }
    }
}
