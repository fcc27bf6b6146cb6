import AegisCore
import ArgumentParser
import Foundation

extension Aegisctl {
    /// `aegisctl migrate status [SERVICE] [--json]`.
    struct Migrate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Schema migrations of the PostgreSQL databases.", subcommands: [Status.self],
            defaultSubcommand: Status.self)

        struct Status: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Show each database's applied and pending migrations, and any it refuses.",
                discussion: """
                    Migrations are applied by aegisd when a PostgreSQL instance starts. Exits 1 when a \
                    database's schema is refused (an applied migration was edited) or cannot be read.
                    """)

            @OptionGroup var global: GlobalOptions
            @Argument(help: ArgumentHelp(
                "postgres-backend, postgres-ai or postgres-executor; all of them when left out.", valueName: "service"))
            var service: String?
            @Flag(name: .long, help: "Print the migrations as JSON.") var json = false

            func validate() throws {
                let known = PostgresInstance.allCases.map(\.serviceID.rawValue)
                if let service, !known.contains(service) {
                    throw ValidationError("\"\(service)\" has no schema; PostgreSQL services: \(known.joined(separator: ", "))")
                }
            }

            func run() throws {
                let reply = try DaemonExchange.reach(
                    ControlRequest.migrateStatus(service.map(ServiceID.init(validated:))), options: global,
                    timeout: .seconds(60))
                let statuses = reply.migrations ?? []
                if json {
                    print(try prettyJSON(statuses))
                } else {
                    var rows: [[String]] = [["SERVICE", "VERSION", "NAME", "STATE", "APPLIED", "CHECKSUM"]]
                    for status in statuses {
                        for applied in status.applied {
                            rows.append([status.service, String(applied.version), applied.name, "applied", applied.appliedAt,
                                         String(applied.checksum.prefix(12))])
                        }
                        for name in status.pending {
                            rows.append([status.service, "", name, "pending", "-", ""])
                        }
                    }
                    print(StatusTable.table(rows), terminator: "")
                    for status in statuses {
                        if let problem = status.problem { print("\(status.service): REFUSED: \(problem)") }
                    }
                }
                guard reply.ok else {
                    printError("error: \(reply.error?.message ?? "a schema is refused")")
                    throw ExitCode(ExitStatus.daemonError)
                }
            }
        }
    }
}
