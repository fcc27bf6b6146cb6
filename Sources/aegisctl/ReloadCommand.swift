import AegisCore
import ArgumentParser

extension Aegisctl {
    /// `aegisctl reload`: what `systemctl reload aegisd` (SIGHUP) does, with the outcome.
    struct Reload: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-read aegisd.toml and apply it: only services whose settings changed restart.",
            discussion: """
                A configuration with errors is refused and the running one stays in force (exit 1, \
                with the errors). Changes to [aegisd] or [supervision] need a restart of aegisd and \
                are refused too.
                """)

        @OptionGroup var global: GlobalOptions
        @Flag(name: .long, help: "Print the daemon's reply as JSON.") var json = false

        func run() throws {
            let reply = try DaemonExchange.send(ControlRequest.reload, options: global, timeout: .seconds(300))
            if json {
                print(try prettyJSON(reply))
            } else {
                print(reply.message ?? "reloaded")
            }
        }
    }
}
