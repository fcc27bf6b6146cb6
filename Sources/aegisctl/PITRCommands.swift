import AegisCore
import ArgumentParser
import Foundation

/// The PostgreSQL instances, the only services with point-in-time recovery.
let pitrServices = ServiceID.allCases.filter { $0.kind == .postgres }.map(\.rawValue)

extension Aegisctl {
    /// `aegisctl pitr backup SERVICE [--type full|diff|incr] [--follow]`, `aegisctl pitr status [SERVICE] [--json]`.
    struct PITR: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pitr",
            abstract: "Point-in-time recovery with pgBackRest: base backups and the archive's state.",
            discussion: "Restore to a time with `aegisctl restore SERVICE --to-time TIME --yes` (or --to-latest).",
            subcommands: [Backup.self, Status.self, Drill.self], defaultSubcommand: Status.self)

        struct Backup: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Take a pgBackRest base backup of a PostgreSQL instance now and wait until it is done.",
                discussion: "Exits 1 when it fails, with pgBackRest's reason. One operation per instance at a time.")

            @OptionGroup var global: GlobalOptions
            @Argument(help: ArgumentHelp("postgres-backend, postgres-ai or postgres-executor.", valueName: "service"))
            var service: String
            @Option(help: "full, diff (changes since the last full) or incr (since the last backup).") var type = "full"
            @Flag(name: .long, help: "Show the phase on stderr while it runs.") var follow = false
            @Flag(name: .long, help: "Print the instance's PITR status as JSON afterwards.") var json = false

            func validate() throws {
                guard pitrServices.contains(service) else {
                    throw ValidationError("no point-in-time recovery for \"\(service)\"; instances: \(pitrServices.joined(separator: ", "))")
                }
                guard PITRBackupType(rawValue: type) != nil else {
                    throw ValidationError("--type must be full, diff or incr (found \"\(type)\")")
                }
            }

            func run() throws {
                let request = ControlRequest.pitrBackup(ServiceID(validated: service), type: PITRBackupType(rawValue: type)!)
                let global = global
                let exchange: @Sendable () throws -> ControlReply = {
                    try DaemonExchange.reach(request, options: global, timeout: .seconds(86_400))
                }
                let reply = follow ? try ProgressFollower.run(global: global, service: service, exchange) : try exchange()
                guard reply.ok else {
                    printError("error: \(reply.error?.message ?? "the base backup failed")")
                    throw ExitCode(ExitStatus.daemonError)
                }
                if json { print(try prettyJSON(reply.pitr ?? [])) } else if let message = reply.message { print(message) }
            }
        }

        struct Drill: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Restore the newest base backup and its WAL into a scratch directory, check it answers, remove it.",
                discussion: "The live instance is not touched. Exits 1 when the drill fails, with the reason.")

            @OptionGroup var global: GlobalOptions
            @Argument(help: ArgumentHelp("postgres-backend, postgres-ai or postgres-executor.", valueName: "service"))
            var service: String

            func validate() throws {
                guard pitrServices.contains(service) else {
                    throw ValidationError("no point-in-time recovery for \"\(service)\"; instances: \(pitrServices.joined(separator: ", "))")
                }
            }

            func run() throws {
                let reply = try DaemonExchange.send(
                    ControlRequest.pitrDrill(ServiceID(validated: service)), options: global, timeout: .seconds(86_400))
                if let message = reply.message { print(message) }
            }
        }

        struct Status: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Base backups, archived WAL range, recoverable window and archive lag of each instance.")

            @OptionGroup var global: GlobalOptions
            @Argument(help: ArgumentHelp("One instance; every one with PITR when left out.", valueName: "service"))
            var service: String?
            @Flag(name: .long, help: "Print the status as JSON.") var json = false

            func validate() throws {
                if let service, !pitrServices.contains(service) {
                    throw ValidationError("no point-in-time recovery for \"\(service)\"; instances: \(pitrServices.joined(separator: ", "))")
                }
            }

            func run() throws {
                let reply = try DaemonExchange.send(
                    ControlRequest.pitrStatus(service.map(ServiceID.init(validated:))), options: global, timeout: .seconds(120))
                let statuses = reply.pitr ?? []
                if json {
                    print(try prettyJSON(statuses))
                    return
                }
                for status in statuses {
                    print("\(status.service): stanza \(status.stanzaReady ? "ready" : "not ready")")
                    print("  recoverable window: \(status.windowText)")
                    print("  WAL archived: \(status.walMin ?? "none") … \(status.walMax ?? "none")"
                        + (status.archiveLagSeconds.map { $0 > 0 ? "; archiving \($0) s behind" : "" } ?? ""))
                    if let bytes = status.walBytes { print("  pg_wal: \(ByteCount.text(bytes))") }
                    if let failed = status.failedCount, failed > 0 {
                        print("  archive failures: \(failed) (last \(status.lastFailedWal ?? "?"))")
                    }
                    for repository in status.repositories ?? [] { print("  \(repository.summary)") }
                    for backup in status.backups {
                        print("  \(backup.label)  \(backup.type)  \(RecoveryTime(secondsSinceEpoch: backup.stoppedAt).target)"
                            + "  repo\(backup.repo ?? 1)"
                            + (backup.repositoryBytes.map { "  \($0) bytes stored" } ?? ""))
                    }
                    if let drill = status.lastDrillAt {
                        print("  last drill passed: \(RecoveryTime(secondsSinceEpoch: drill).target)")
                    }
                    if let error = status.lastDrillError { print("  last drill failed: \(error)") }
                    if let problem = status.problem { print("  problem: \(problem)") }
                }
            }
        }
    }
}
