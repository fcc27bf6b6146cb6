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
            abstract: "List backups, and what retention would remove.", subcommands: [List.self, Prune.self],
            defaultSubcommand: List.self)

        struct Prune: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Show what retention would remove now, and why each kept backup is kept (--dry-run).",
                discussion: """
                    Retention runs by itself after each backup (local) and each upload (--remote); this \
                    shows its decision for every backup without removing anything. --remote shows the \
                    copies in the [offsite] store that aegisd wrote (nothing else there is ever removed).
                    """)

            @OptionGroup var global: GlobalOptions
            @OptionGroup var target: OptionalBackupService
            @Flag(name: .customLong("dry-run"), help: "Only show the decisions (required: retention itself runs on its own).")
            var dryRun = false
            @Flag(name: .long, help: "The off-host copies in the [offsite] store instead of the local backups.")
            var remote = false
            @Flag(name: .long, help: "Print the list as JSON.") var json = false

            func validate() throws {
                guard dryRun else {
                    throw ValidationError("add --dry-run: retention removes backups by itself after each backup and upload; this command only shows its decisions")
                }
            }

            func run() throws {
                let reply = try DaemonExchange.send(
                    .prunePlan(target.service.map(ServiceID.init(validated:)), remote: remote), options: global,
                    timeout: .seconds(remote ? 600 : 30))
                let reports = reply.backups ?? []
                guard reply.ok else {
                    printError("error: \(reply.error?.message ?? "the plan failed")")
                    throw ExitCode(ExitStatus.daemonError)
                }
                if json {
                    print(try prettyJSON(reports))
                    return
                }
                let rows = reports.map { report in
                    [report.service, report.name, report.createdAt.description, report.status,
                     report.retention ?? "-", report.retentionReason ?? ""]
                }
                print(StatusTable.table([["SERVICE", "NAME", "CREATED", "STATUS", "RETENTION", "WHY"]] + rows), terminator: "")
            }
        }

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
                let rows = reports.map { report -> [String] in
                    let offHost: [String] = offsite
                        ? [report.offsite.map { "copied \($0.uploadedAt)" } ?? (report.offsitePending == true ? "pending" : "-")] : []
                    // A pending copy's last upload error, where the backup itself has none.
                    let error: String = report.error ?? report.offsiteError.map { "off-host copy: \($0)" } ?? ""
                    return [report.service, report.name, report.createdAt.description, ByteCount.text(report.size),
                            report.status, report.verifiedAt?.description ?? "-"]
                        + offHost + [error]
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
