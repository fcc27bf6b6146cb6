import AegisCore
import ArgumentParser
import Foundation

extension Aegisctl {
    /// `aegisctl status [--json]`.
    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show every service's state and health.",
            discussion: "Exits 0 even when services are unhealthy; 1 only if the daemon reports an error.")

        @OptionGroup var global: GlobalOptions

        @Flag(name: .long, help: "Print the daemon's status report as JSON.")
        var json = false

        func run() throws {
            let reply = try DaemonExchange.send(
                ControlRequest.status, options: global, timeout: .seconds(10))
            guard let report = reply.status else {
                printError("error: the daemon's reply carries no status report")
                throw ExitCode(ExitStatus.daemonError)
            }
            if json {
                print(try prettyJSON(report))
            } else {
                print(StatusTable.render(report), terminator: "")
            }
        }
    }
}

/// Indented JSON with sorted keys: stable for diffs and `jq`, and the same fields as on the wire.
func prettyJSON(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}
