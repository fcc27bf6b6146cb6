import AegisCore
import ArgumentParser
import Foundation

/// The services that have backups: PostgreSQL instances and Redis.
private let backupServices = ServiceID.allCases.filter { $0.kind != .loki }.map(\.rawValue)

/// An optional SERVICE argument naming a service with backups.
struct OptionalBackupService: ParsableArguments {
    @Argument(help: ArgumentHelp(
        "The service (\(backupServices.joined(separator: ", "))); all of them when left out.", valueName: "service"))
    var service: String?

    func validate() throws {
        if let service, !backupServices.contains(service) {
            throw ValidationError("no backups for \"\(service)\"; services with backups: \(backupServices.joined(separator: ", "))")
        }
    }
}

extension Aegisctl {
    /// `aegisctl backup [SERVICE] [--json]`.
    struct Backup: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Back up a service now (every PostgreSQL database and Redis when none is named).",
            discussion: """
                Waits until the backup is written, fsynced and its manifest recorded, then prints \
                the file. Exits 1 if any backup failed, with the reason; no partial file is left.
                """)

        @OptionGroup var global: GlobalOptions
        @OptionGroup var target: OptionalBackupService
        @Flag(name: .long, help: "Print the daemon's reply as JSON.") var json = false
        @Flag(name: .long, help: "Show progress on stderr while the backup runs (bytes, rate, compression ratio).")
        var follow = false

        func run() throws {
            let request = ControlRequest.backup(target.service.map(ServiceID.init(validated:)))
            let global = global
            let exchange: @Sendable () throws -> ControlReply = {
                try DaemonExchange.reach(request, options: global, timeout: .seconds(86_400))
            }
            let reply = follow ? try ProgressFollower.run(global: global, service: target.service, exchange) : try exchange()
            if json {
                print(try prettyJSON(reply.backups ?? []))
            } else {
                for report in reply.backups ?? [] where report.status == "complete" {
                    print("\(report.service): \(report.path) (\(ByteCount.text(report.size)), \(report.durationSeconds ?? 0) s)")
                }
            }
            guard reply.ok else {
                printError("error: \(reply.error?.message ?? "the backup failed")")
                throw ExitCode(ExitStatus.daemonError)
            }
        }
    }

    /// `aegisctl backups list [SERVICE] [--json]`.
    struct Backups: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List backups.", subcommands: [List.self], defaultSubcommand: List.self)

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "List the backups of a service (of every service when none is named), oldest first.")

            @OptionGroup var global: GlobalOptions
            @OptionGroup var target: OptionalBackupService
            @Flag(name: .long, help: "Print the list as JSON.") var json = false
            @Flag(name: .long, help: "List the complete backups in the [offsite] store instead (needs SERVICE).")
            var remote = false

            func validate() throws {
                if remote, target.service == nil {
                    throw ValidationError("--remote lists one service's backups in the store: name the service")
                }
            }

            func run() throws {
                let service = target.service.map(ServiceID.init(validated:))
                let request: ControlRequest = remote ? .remoteBackups(service!) : .backups(service)
                let reply = try DaemonExchange.send(request, options: global, timeout: .seconds(remote ? 600 : 30))
                let reports = reply.backups ?? []
                if json {
                    print(try prettyJSON(reports))
                    return
                }
                // The OFF-HOST column only when copies are on ([offsite] remote).
                let offsite = remote || reports.contains { $0.offsitePending != nil }
                let rows = reports.map { report in
                    [report.service, report.name, report.createdAt.description, ByteCount.text(report.size),
                     report.status, report.verifiedAt?.description ?? "-"]
                        + (offsite ? [report.offsite.map { "copied \($0.uploadedAt)" } ?? (report.offsitePending == true ? "pending" : "-")] : [])
                        + [report.error ?? ""]
                }
                let headers = ["SERVICE", "NAME", "CREATED", "SIZE", "STATUS", "VERIFIED"] + (offsite ? ["OFF-HOST"] : []) + ["ERROR"]
                print(StatusTable.table([headers] + rows), terminator: "")
            }
        }
    }
}

/// Sizes for people: 1.5 GiB, 312 KiB, 17 B.
enum ByteCount {
    static func text(_ bytes: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f", value) + " " + units[unit]
    }
}
