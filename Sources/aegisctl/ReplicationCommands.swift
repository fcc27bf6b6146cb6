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
            subcommands: [Bundle.self, Reseed.self, Rejoin.self, DropSlot.self])

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

extension Aegisctl.Replication {
    /// `aegisctl replication rejoin --bundle FILE [--yes] [--json]`.
    struct Rejoin: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "On an old primary once its standby was promoted: become a standby of the new primary (on its standby: take new credentials).",
            discussion: """
                FILE is a bundle made on the new primary with `aegisctl replication bundle`; aegisctl reads it \
                with your permissions and sends it, and aegisd stores its credentials in 0600 files under \
                secrets/replication. Every PostgreSQL instance and Redis is stopped; each instance is rewound \
                with pg_rewind (only what changed since the promotion is copied, and what this host wrote \
                after it is discarded), or, when that is not possible, its data directory is moved aside \
                (DIR.before-rejoin-STAMP, kept) and copied again with pg_basebackup. They start as standbys \
                and aegisd.toml is rewritten ([replication] role = "standby" and the new primary), by \
                aegisd or, when it cannot write the file, by aegisctl run as root. Prints each service: \
                rewound, re-seeded, following (Redis) or failed; exits 1 when one failed.

                On a standby that follows the bundle's primary already, it refreshes the pairing credentials \
                instead (before the client certificate expires: aegisctl certs status shows it as \
                replication-client): they are stored in place (0600) and every service that follows the \
                primary is restarted on them, without a rewind or a copy; each is then refreshed or failed. \
                One rejoin, promotion or re-seed at a time: another one is refused while it runs.
                """)

        @OptionGroup var global: GlobalOptions
        @Option(help: ArgumentHelp("The bundle the new primary made (aegisctl replication bundle there).", valueName: "file"))
        var bundle: String
        @Flag(name: .long, help: "Do not ask for confirmation.") var yes = false
        @Flag(help: "Print each service's outcome as JSON.") var json = false

        func run() throws {
            // Read (and checked) before asking: a bundle that cannot be used should not cost a confirmation.
            let text: String
            let parsed: ReplicationBundle
            do {
                guard let read = try FileSystem.read(bundle) else {
                    printError("error: \(bundle) does not exist")
                    throw ExitCode(ExitStatus.usage)
                }
                text = read
                parsed = try ReplicationBundle.decode(read)
            } catch let error as SystemError {
                printError("error: \(bundle): \(error.message)")
                throw ExitCode(ExitStatus.usage)
            } catch let error as ReplicationBundleError {
                printError("error: \(bundle): \(error.message)")
                throw ExitCode(ExitStatus.usage)
            }
            if !yes {
                guard isatty(STDIN_FILENO) == 1 else {
                    printError("error: refusing to rejoin without --yes (standard input is not a terminal)")
                    throw ExitCode(ExitStatus.usage)
                }
                print("This host becomes a standby of \(parsed.primaryHost): every PostgreSQL instance and Redis is stopped "
                    + "and rewound or copied again from it; what was written here since the promotion is discarded. "
                    + "(On a standby of \(parsed.primaryHost) already: its new credentials are stored and the services restarted.)")
                print("Type rejoin to continue: ", terminator: "")
                guard readLine()?.trimmingCharacters(in: .whitespaces) == "rejoin" else {
                    printError("aborted: nothing was changed")
                    throw ExitCode(ExitStatus.daemonError)
                }
            }
            let reply = try DaemonExchange.reach(.replicationRejoin(bundle: SecretText(text)), options: global, timeout: .seconds(86_400))
            if json, let reports = reply.rejoin { print(try prettyJSON(reports)) }
            guard reply.ok else {
                printError("error: \(reply.error?.message ?? "the rejoin failed")")
                if reply.rejoin != nil { keepStandbyInTheConfigFile(parsed) }
                throw ExitCode(ExitStatus.daemonError)
            }
            if !json, let message = reply.message { print(message) }
            keepStandbyInTheConfigFile(parsed)
        }

        /// aegisd cannot write its configuration file under the packaged unit; root can (as for promote).
        private func keepStandbyInTheConfigFile(_ parsed: ReplicationBundle) {
            guard let path = global.config ?? (global.socket == nil ? "/etc/aegis/aegisd.toml" : nil) else { return }
            switch RejoinedConfigFile.update(path: path, bundle: parsed) {
            case .unchanged: break
            case .rewritten: if !json { print("\(path): rewritten by aegisctl, so a restart keeps this host a standby") }
            case .failed(let reason): printError("warning: \(reason)")
            }
        }
    }

    /// `aegisctl replication drop-slot SERVICE NAME`.
    struct DropSlot: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "drop-slot",
            abstract: "On a primary: drop a replication slot no standby uses any more.",
            discussion: """
                `aegisctl status` lists each instance's slots (a standby that stays away keeps its slot, and \
                with it up to [replication] max_slot_wal_keep_size_mb of WAL). Drop the slot of a standby \
                that is gone for good or was paired again under another name. An active slot is refused.
                """)

        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp("postgres-backend, postgres-ai or postgres-executor.", valueName: "service"))
        var service: String
        @Argument(help: ArgumentHelp("The slot's name, as aegisctl status lists it.", valueName: "name"))
        var name: String

        func validate() throws {
            guard pitrServices.contains(service) else {
                throw ValidationError("slots belong to PostgreSQL instances: \(pitrServices.joined(separator: ", "))")
            }
            guard !name.isEmpty, name.count <= 63, name.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") }) else {
                throw ValidationError("\"\(name)\" is not a slot name (lower-case letters, digits and _, at most 63)")
            }
        }

        func run() throws {
            let request = ControlRequest.replicationDropSlot(ServiceID(validated: service), slot: name)
            let reply = try DaemonExchange.reach(request, options: global, timeout: .seconds(60))
            guard reply.ok else {
                printError("error: \(reply.error?.message ?? "the slot was not dropped")")
                throw ExitCode(ExitStatus.daemonError)
            }
            print(reply.message ?? "")
        }
    }
}
