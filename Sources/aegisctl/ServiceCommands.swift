import AegisCore
import ArgumentParser

/// What `start`, `stop` and `restart` share: one SERVICE argument, checked before anything is
/// sent so that a typo is a usage error (exit 2) with the list of valid names.
struct ServiceArguments: ParsableArguments {
    @Argument(help: ArgumentHelp(
        "The service: \(ServiceID.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "service"))
    var service: String

    @Flag(name: .long, help: "Print the daemon's reply as JSON.")
    var json = false

    func validate() throws {
        guard ServiceID(rawValue: service) != nil else {
            throw ValidationError(
                "unknown service \"\(service)\"; valid services: \(ServiceID.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    /// The request of `command` (start, stop or restart) for the service.
    func request(_ command: ControlCommand) -> ControlRequest {
        let id = ServiceID(validated: service)
        switch command {
        case .start: return .start(id)
        case .stop: return .stop(id)
        default: return .restart(id)
        }
    }

    /// Sends `command` for the service and prints the daemon's answer.
    func perform(_ command: ControlCommand, global: GlobalOptions) throws {
        // Stopping PostgreSQL cleanly can take a while; do not give up on it after seconds.
        let reply = try DaemonExchange.send(
            request(command), options: global, timeout: .seconds(180))
        if json {
            print(try prettyJSON(reply))
        } else {
            print(reply.message ?? "\(service): \(command.rawValue) done")
        }
    }
}

extension Aegisctl {
    /// `aegisctl start SERVICE`.
    struct Start: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Start a stopped or failed service.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var target: ServiceArguments
        func run() throws { try target.perform(.start, global: global) }
    }

    /// `aegisctl stop SERVICE`.
    struct Stop: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop a service (it stays stopped until started).")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var target: ServiceArguments
        func run() throws { try target.perform(.stop, global: global) }
    }

    /// `aegisctl restart SERVICE`.
    struct Restart: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop a service, then start it again.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var target: ServiceArguments
        func run() throws { try target.perform(.restart, global: global) }
    }
}
