import AegisCore
import ArgumentParser
import Foundation

/// `aegisctl`: the command-line client of aegisd's control socket.
///
/// Exit codes (a contract scripts rely on): 0 success; 1 the daemon replied with an error (or the exchange
/// failed); 2 usage or configuration error; 3 the daemon is not reachable.
@main
struct Aegisctl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aegisctl",
        abstract: "Control aegisd, the Aegis platform's service supervisor.",
        discussion: """
            Exit codes: 0 success, 1 the daemon reported an error, 2 usage or configuration \
            error, 3 the daemon is not reachable.
            """,
        version: AegisVersion.current,
        subcommands: [
            Status.self, Start.self, Stop.self, Restart.self, Backup.self, Backups.self, Restore.self, Verify.self, Reload.self,
            Certs.self, ConnectInfo.self, Logs.self, Migrate.self, Maintenance.self, Stats.self, Version.self, PITR.self, Replication.self, Promote.self,
        ]
    )

    /// Declared here as well as on every subcommand so that `--socket`/`--config` work before
    /// the command (the documented form) and after it.
    @OptionGroup var global: GlobalOptions

    /// ArgumentParser exits 64 (EX_USAGE) on usage errors; our contract says 2.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            let text = fullMessage(for: error)
            if code == .success {
                if !text.isEmpty { print(text) }
                Foundation.exit(0)
            }
            if !text.isEmpty { printError(text) }
            Foundation.exit(code == .validationFailure ? ExitStatus.usage : code.rawValue)
        }
    }
}

/// The exit codes scripts rely on, named.
enum ExitStatus {
    static let daemonError: Int32 = 1
    static let usage: Int32 = 2
    static let notReachable: Int32 = 3
}

/// Writes one line to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
