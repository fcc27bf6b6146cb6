import AegisCore
import AegisSystem
import ArgumentParser
import Glibc

/// `aegisd config init|check`: write a working configuration, or say what is wrong with one.
/// The work is done by `ConfigInitializer` and `ConfigCheckReport` (AegisSystem); this file only
/// maps their outcomes to output and exit codes (0 ok, 1 failed, 2 usage or configuration error).
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Create or check an aegisd configuration file.",
        subcommands: [Init.self, Check.self]
    )

    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "init",
            abstract: "Write DIR/aegisd.toml: a complete configuration with all state under DIR.",
            discussion: """
                Without --port-base the services get the standard ports (5432, 5433, 5434, 6379, \
                3100, 9095, 9464). With --port-base N they get N (postgres-backend), N+1 \
                (postgres-ai), N+2 (postgres-executor), N+3 (redis), N+4 (loki http), \
                N+5 (loki grpc) and N+6 (metrics).
                """
        )

        @Option(help: "The state directory; created if missing. The file is written inside it.")
        var root: String

        @Option(help: "First of seven consecutive ports for the services.")
        var portBase: Int?

        @Option(help: "The unprivileged account services run as when aegisd runs as root.")
        var user: String = "aegis"

        @Flag(help: "Overwrite an existing DIR/aegisd.toml.")
        var force = false

        @Option(help: ArgumentHelp(
            "A bundle from `aegisctl replication bundle` on the primary: write a standby's configuration and store the bundle's credentials under DIR/secrets/replication (0600).",
            valueName: "file"))
        var standbyOf: String?

        func run() throws {
            let path: String
            do {
                path = try ConfigInitializer.write(root: root, portBase: portBase, user: user, force: force, standbyOf: standbyOf)
            } catch {
                printError("aegisd config init: \(error.message)")
                throw ExitCode(error.kind == .io ? 1 : 2)
            }
            let key = ConfigInitializer.backupIdentityPath(StateLayout(root: ConfigInitializer.absolutePath(root)))
            print("""
                Wrote \(path)

                Backups are encrypted to the age key in \(key).
                Move that file OFF this host and keep it safe: it is the only way to read the backups,
                and a host that keeps only the public key cannot read its own backups if it is compromised.

                Next steps:
                  aegisd config check --config \(path)    # checks it against this machine
                  aegisd --config \(path)                 # runs everything in the foreground
                """)
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Validate a configuration file and check it against this machine.",
            discussion: "Exits 0 when the file is usable (warnings included), 2 naming every problem otherwise."
        )

        @Option(help: "The configuration file to check.")
        var config: String

        func run() throws {
            let report = ConfigCheckReport.check(path: config)
            for warning in report.warnings {
                printError("\(config): warning: \(warning)")
            }
            guard report.isUsable else {
                printError(ConfigError(file: config, issues: report.errors).description)
                throw ExitCode(2)
            }
            print("\(config): ok")
        }
    }
}

/// One line to standard error, unbuffered so it interleaves correctly with standard output.
private func printError(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    bytes.withUnsafeBytes { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
}
