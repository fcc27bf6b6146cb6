import AegisCore
import ArgumentParser

extension Aegisctl {
    /// `aegisctl version [--json]`: this client's version and, if it answers, the daemon's.
    struct Version: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the versions of aegisctl and of the running aegisd.",
            discussion: "Prints the client version even when the daemon is not reachable (then exits 3).")

        @OptionGroup var global: GlobalOptions

        @Flag(name: .long, help: "Print the versions as JSON.")
        var json = false

        /// `{"client": …, "daemon": … or null, "protocol": … or null}`.
        struct Output: Encodable {
            var client = AegisVersion.current
            var daemon: String?
            var protocolVersion: Int?

            func encode(to encoder: any Encoder) throws {
                var c = encoder.container(keyedBy: Key.self)
                try c.encode(client, forKey: .client)
                try c.encode(daemon, forKey: .daemon)
                try c.encode(protocolVersion, forKey: .protocolVersion)
            }

            enum Key: String, CodingKey {
                case client, daemon
                case protocolVersion = "protocol"
            }
        }

        func run() throws {
            var output = Output()
            var failure: Error?
            do {
                let reply = try DaemonExchange.send(ControlRequest.version, options: global, timeout: .seconds(10))
                output.daemon = reply.version?.daemon
                output.protocolVersion = reply.version?.protocolVersion
            } catch {
                // The client version is worth printing even when the daemon cannot be asked.
                failure = error
            }
            if json {
                print(try prettyJSON(output))
            } else {
                print("aegisctl \(output.client) (protocol \(ControlProtocol.version))")
                if let daemon = output.daemon {
                    print("aegisd   \(daemon) (protocol \(output.protocolVersion.map(String.init) ?? "?"))")
                }
            }
            if let failure { throw failure }
        }
    }
}
