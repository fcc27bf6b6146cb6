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
            subcommands: [Bundle.self, Reseed.self])

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

extension Aegisctl {
    /// `aegisctl promote [SERVICE] [--force] [--json]`.
    struct Promote: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "On a standby: make a service (or every one that follows the primary) a primary, and keep it one.",
            discussion: """
                PostgreSQL instances are promoted with pg_promote(wait => true) and checked to accept writes \
                (the new timeline is printed); Redis with REPLICAOF NO ONE. aegisd.toml is rewritten \
                ([replication] role = "primary", or promoted = [...] for some) so that a restart keeps them \
                primaries. Refused while a service's lag is unknown (it does not stream from the primary) \
                unless --force: use it when the primary is gone for good. Make sure the old primary stays \
                down: nothing here stops two primaries from taking writes.
                """)

        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp("postgres-backend, postgres-ai, postgres-executor or redis; default: every one.", valueName: "service"))
        var service: String?
        @Flag(help: "Promote although the lag is unknown (what the standby did not receive is lost).") var force = false
        @Flag(help: "Print each promoted service and its timeline as JSON.") var json = false

        func validate() throws {
            if let service, !ReplicationSettings.promotable.map(\.rawValue).contains(service) {
                throw ValidationError("cannot promote \"\(service)\"; services: "
                    + ReplicationSettings.promotable.map(\.rawValue).joined(separator: ", "))
            }
        }

        func run() throws {
            let request = ControlRequest.promote(service.map { ServiceID(validated: $0) }, force: force)
            let reply = try DaemonExchange.reach(request, options: global, timeout: .seconds(600))
            guard reply.ok else {
                printError("error: \(reply.error?.message ?? "the promotion failed")")
                throw ExitCode(ExitStatus.daemonError)
            }
            if json { print(try prettyJSON(reply.promotions ?? [])) } else if let message = reply.message { print(message) }
            keepPromotedInTheConfigFile(reply.promotions ?? [])
        }

        /// aegisd cannot write its configuration file under the packaged unit; root can. The file
        /// is `--config`, or the packaged one when aegisctl talks to the packaged socket.
        private func keepPromotedInTheConfigFile(_ reports: [PromotionReport]) {
            guard let path = global.config ?? (global.socket == nil ? "/etc/aegis/aegisd.toml" : nil) else { return }
            switch PromotedConfigFile.update(path: path, promotedNow: reports.compactMap { ServiceID(rawValue: $0.service) }) {
            case .unchanged: break
            case .rewritten: if !json { print("\(path): rewritten by aegisctl, so a restart keeps them primaries") }
            case .failed(let reason): printError("warning: \(reason)")
            }
        }
    }
}

extension Aegisctl.Replication {
    /// `aegisctl replication reseed SERVICE`.
    struct Reseed: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "On a standby: copy a PostgreSQL instance from the primary again.",
            discussion: """
                For an instance that cannot catch up (its slot on the primary was invalidated, or its data \
                diverged): it is stopped, its data directory moved aside (DIR.before-reseed-STAMP, kept), \
                and started again, which copies it with pg_basebackup into a fresh slot. Waits until it is \
                healthy again.
                """)

        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp("postgres-backend, postgres-ai or postgres-executor.", valueName: "service"))
        var service: String

        func validate() throws {
            guard pitrServices.contains(service) else {
                throw ValidationError("only a PostgreSQL instance is re-seeded; instances: \(pitrServices.joined(separator: ", "))")
            }
        }

        func run() throws {
            let reply = try DaemonExchange.reach(.replicationReseed(ServiceID(validated: service)), options: global, timeout: .seconds(86_400))
            guard reply.ok else {
                printError("error: \(reply.error?.message ?? "the re-seed failed")")
                throw ExitCode(ExitStatus.daemonError)
            }
            print(reply.message ?? "")
        }
    }
}
