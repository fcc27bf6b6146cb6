import AegisCore
import AegisSystem
import ArgumentParser

/// Where to find the daemon. Shared by every command (see `Aegisctl.global`).
struct GlobalOptions: ParsableArguments {
    static let defaultSocket = "/run/aegis/aegisd.sock"

    @Option(name: .long, help: ArgumentHelp("Control socket of aegisd (default \(defaultSocket)).", valueName: "path"))
    var socket: String?

    @Option(name: .long, help: ArgumentHelp("Read the socket path from this aegisd.toml (--socket wins).", valueName: "path"))
    var config: String?

    @Option(name: .long, help: ArgumentHelp("Seconds to wait for the daemon's reply.", valueName: "seconds"))
    var timeout: Double?

    func validate() throws {
        if let timeout, !(timeout > 0 && timeout <= 86_400) {
            throw ValidationError("--timeout must be between 0 and 86400 seconds")
        }
    }

    /// The socket to use: --socket, else the config file's `daemon.socket`, else the default.
    /// A config file that cannot be loaded is a configuration error: exit 2.
    func socketPath() throws -> String {
        if let socket { return socket }
        guard let config else { return Self.defaultSocket }
        do {
            return try ConfigLoader.load(path: config).daemon.socket
        } catch {
            printError("error: cannot use configuration \(error)")
            throw ExitCode(ExitStatus.usage)
        }
    }

    /// The reply timeout: --timeout, else `fallback` (longer for commands that stop services).
    func replyTimeout(default fallback: Duration) -> Duration {
        timeout.map { .milliseconds(Int64($0 * 1000)) } ?? fallback
    }
}
