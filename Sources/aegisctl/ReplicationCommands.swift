import AegisCore
import AegisSystem
import ArgumentParser
import Foundation

extension Aegisctl {
    /// `aegisctl replication bundle --out FILE [--host NAME]`.
    struct Replication: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "replication",
            abstract: "Streaming replication to a standby host.",
            subcommands: [Bundle.self])

        struct Bundle: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "On the primary: write what a standby needs to pair with it (a secret, mode 0600).",
                discussion: """
                    The bundle holds this host's CA certificate, its name and ports, and the replication \
                    credentials: a client certificate and key issued by aegisd's CA and the passwords of the \
                    PostgreSQL role aegis_replicator and of the Redis user aegis_replicator. Copy it to the new \
                    host over a secure channel, run `aegisd config init --root DIR --standby-of FILE` there, \
                    and delete it. An existing FILE is never overwritten.
                    """)

            @OptionGroup var global: GlobalOptions
            @Option(help: ArgumentHelp("Where to write the bundle; must not exist.", valueName: "file")) var out: String
            @Option(help: ArgumentHelp("The name standbys dial; must be in the server certificates (default: this host's name).",
                                       valueName: "name"))
            var host: String?

            func validate() throws {
                if FileManager.default.fileExists(atPath: out) {
                    throw ValidationError("\(out) already exists; choose another file or remove it first")
                }
            }

            func run() throws {
                let reply = try DaemonExchange.reach(.replicationBundle(host: host), options: global, timeout: .seconds(60))
                guard reply.ok, let bundle = reply.bundle else {
                    printError("error: \(reply.error?.message ?? "no bundle in the reply")")
                    throw ExitCode(ExitStatus.daemonError)
                }
                do {
                    try SecretFile.createExclusively(out, contents: bundle.revealed)
                } catch {
                    printError("error: \(error.message)")
                    throw ExitCode(ExitStatus.daemonError)
                }
                print("Wrote \(out) (mode 0600): \(reply.message ?? "the bundle"). It is a secret: copy it to the standby "
                    + "over a secure channel, run `aegisd config init --root DIR --standby-of \(out)` there, then delete it.")
            }
        }
    }
}
