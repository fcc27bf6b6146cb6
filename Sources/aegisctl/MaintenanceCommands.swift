import AegisCore
import ArgumentParser
import Foundation

extension Aegisctl {
    /// `aegisctl maintenance list|run JOB`.
    struct Maintenance: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The maintenance jobs: VACUUM ANALYZE, archiving of old rows, Redis BGSAVE.",
            subcommands: [List.self, Run.self], defaultSubcommand: List.self)

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "List the maintenance jobs with their schedules and last outcomes.")

            @OptionGroup var global: GlobalOptions
            @Flag(name: .long, help: "Print the jobs as JSON.") var json = false

            func run() throws {
                let reply = try DaemonExchange.send(
                    ControlRequest.maintenanceList, options: global, timeout: .seconds(30))
                try Maintenance.print(reply.maintenance ?? [], json: json)
            }
        }

        struct Run: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Run a maintenance job now and wait until it is done.",
                discussion: "Exits 1 when the job fails, with its reason. `aegisctl maintenance list` names the jobs.")

            @OptionGroup var global: GlobalOptions
            @Argument(help: ArgumentHelp("The job, e.g. vacuum-postgres-backend or archive-postgres-ai.", valueName: "job"))
            var job: String
            @Flag(name: .long, help: "Print the job's outcome as JSON.") var json = false

            func run() throws {
                let reply = try DaemonExchange.reach(
                    ControlRequest.maintenanceRun(job: job), options: global, timeout: .seconds(86_400))
                if reply.ok || reply.maintenance != nil {
                    try Maintenance.print(reply.maintenance ?? [], json: json)
                }
                guard reply.ok else {
                    printError("error: \(reply.error?.message ?? "the job failed")")
                    throw ExitCode(ExitStatus.daemonError)
                }
            }
        }

        static func print(_ jobs: [MaintenanceJobStatus], json: Bool) throws {
            if json {
                Swift.print(try prettyJSON(jobs))
                return
            }
            let rows = jobs.map { job in
                [job.name, job.schedule.isEmpty ? "on demand" : job.schedule, job.lastRun?.startedAt.description ?? "never",
                 job.lastRun.map { $0.ok ? "ok" : "FAILED" } ?? "-", job.lastRun?.message ?? job.description]
            }
            Swift.print(StatusTable.table([["JOB", "SCHEDULE", "LAST RUN", "OUTCOME", "DETAIL"]] + rows), terminator: "")
        }
    }
}
