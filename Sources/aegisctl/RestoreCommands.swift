import AegisCore
import AegisSystem
import ArgumentParser
import Foundation

/// What `restore` and `verify` share: SERVICE, which backup, and the key that opens it.
struct BackupTarget: ParsableArguments {
    @Argument(help: ArgumentHelp("postgres-backend, postgres-ai, postgres-executor or redis.", valueName: "service"))
    var service: String

    @Argument(help: ArgumentHelp("`latest`, or a backup's name from `aegisctl backups list`.", valueName: "backup"))
    var backup: String = "latest"

    @Option(help: ArgumentHelp(
        "File holding the age identity (AGE-SECRET-KEY-…) that decrypts the backup, read by aegisctl with your "
            + "permissions and sent to the daemon for this one operation; `-` reads it from standard input. "
            + "Without it the daemon looks for <state_dir>/secrets/backup.agekey.",
        valueName: "file"))
    var identity: String?

    @Flag(name: .long, help: "Print the daemon's reply as JSON.") var json = false
    @Flag(name: .long, help: "Show progress on stderr while it runs (bytes, rate).") var follow = false
    @Flag(name: .long, help: ArgumentHelp(
        "Take the backup from the [offsite] store (see `aegisctl backups list SERVICE --remote`), streamed with rclone: "
            + "no local copy, and authenticated completely before anything changes."))
    var remote = false

    func validate() throws {
        guard let id = ServiceID(rawValue: service), id.kind != .loki else {
            throw ValidationError("no backups for \"\(service)\"; services with backups: postgres-backend, postgres-ai, postgres-executor, redis")
        }
    }

    /// The identity's text, read here with the caller's own permissions: the daemon runs as
    /// another user, in a sandbox of its own, and could not open the operator's file itself. A
    /// file that cannot be read or is not an identity is a usage error (2) before anything is sent.
    func identityKey() throws -> SecretText? {
        guard let identity else { return nil }
        do {
            return SecretText(try AgeIdentityFile.read(identity))
        } catch {
            printError("error: \(error.message)")
            throw ExitCode(ExitStatus.usage)
        }
    }

    func send(_ command: ControlCommand, identityKey: SecretText?, global: GlobalOptions) throws {
        let target = RestoreTarget(
            service: ServiceID(validated: service), backup: backup, identity: identityKey.map { .key($0) } ?? .daemonDefault,
            remote: remote)
        let request: ControlRequest = command == .restore ? .restore(target) : .verify(target)
        let exchange: @Sendable () throws -> ControlReply = {
            try DaemonExchange.reach(request, options: global, timeout: .seconds(86_400))
        }
        let reply = follow ? try ProgressFollower.run(global: global, service: service, exchange) : try exchange()
        if json {
            print(try prettyJSON(reply))
        } else if let message = reply.message {
            print(message)
        }
        guard reply.ok else {
            printError("error: \(reply.error?.message ?? "\(command.rawValue) failed")")
            throw ExitCode(ExitStatus.daemonError)
        }
    }
}

extension Aegisctl {
    /// `aegisctl restore SERVICE latest|NAME [--yes] [--identity FILE|-]`.
    struct Restore: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace a service's data with a backup; the previous data is kept aside.",
            discussion: """
                The backup is authenticated completely (SHA-256, every encrypted chunk, gzip) before \
                anything changes. PostgreSQL: the dump is loaded into a new database in one transaction \
                and swapped in; the previous database stays as <db>_pre_restore_<time>. Redis: Redis is \
                stopped, its data files are kept as *.pre_restore_<time>, and it starts on the snapshot.
                """)

        @OptionGroup var global: GlobalOptions
        @OptionGroup var target: BackupTarget
        @Flag(name: .long, help: "Do not ask for confirmation.") var yes = false
        @Option(name: .customLong("to-time"), help: ArgumentHelp(
            "PostgreSQL only: restore to this point in time with pgBackRest, e.g. \"2026-12-01 10:42:00+00\" (the offset is required).",
            valueName: "time"))
        var toTime: String?
        @Flag(name: .customLong("to-latest"), help: "PostgreSQL only: restore to the end of the archived WAL with pgBackRest.")
        var toLatest = false

        /// A point-in-time restore (pgBackRest) rather than one from a dump.
        var pitrTarget: PITRRestoreTarget? {
            if let toTime { return .time(toTime) }
            return toLatest ? .latest : nil
        }

        func validate() throws {
            if toTime != nil && toLatest { throw ValidationError("give --to-time or --to-latest, not both") }
            if pitrTarget != nil {
                guard pitrServices.contains(target.service) else {
                    throw ValidationError("--to-time and --to-latest are for PostgreSQL instances (\(pitrServices.joined(separator: ", ")))")
                }
                guard target.backup == "latest", target.identity == nil else {
                    throw ValidationError("--to-time and --to-latest restore from pgBackRest's repository: no backup name or --identity")
                }
            }
            if target.identity == "-" && !yes {
                throw ValidationError(
                    "--identity - reads the key from standard input, which then cannot answer the confirmation; add --yes")
            }
        }

        func run() throws {
            if let pitrTarget { return try runPITR(pitrTarget) }
            // Read before asking: a key that cannot be read should not cost a confirmation.
            let key = try target.identityKey()
            if !yes {
                guard isatty(STDIN_FILENO) == 1 else {
                    printError("error: refusing to restore \(target.service) without --yes (standard input is not a terminal)")
                    throw ExitCode(ExitStatus.usage)
                }
                print("This replaces the data of \(target.service) with backup \(target.backup)\(target.remote ? " from the off-host store" : "").")
                print("Type the service name to continue: ", terminator: "")
                guard readLine()?.trimmingCharacters(in: .whitespaces) == target.service else {
                    printError("aborted: nothing was changed")
                    throw ExitCode(ExitStatus.daemonError)
                }
            }
            try target.send(.restore, identityKey: key, global: global)
        }
    }

    /// `aegisctl verify SERVICE latest|NAME [--identity FILE|-]`.
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Restore drill: restore a backup into a scratch copy and compare it with its manifest.",
            discussion: """
                PostgreSQL: loaded into a scratch database, every table's row count compared with the \
                manifest, then dropped. Redis: the snapshot must pass redis-check-rdb. Records verified_at \
                in the manifest on success. Exits 1 when the drill fails, with the differences.
                """)

        @OptionGroup var global: GlobalOptions
        @OptionGroup var target: BackupTarget

        func run() throws {
            try target.send(.verify, identityKey: try target.identityKey(), global: global)
        }
    }
}

extension Aegisctl.Restore {
    /// `aegisctl restore SERVICE --to-time TIME|--to-latest --yes`.
    func runPITR(_ pitrTarget: PITRRestoreTarget) throws {
        let service = target.service
        if !yes {
            guard isatty(STDIN_FILENO) == 1 else {
                printError("error: refusing to restore \(service) without --yes (standard input is not a terminal)")
                throw ExitCode(ExitStatus.usage)
            }
            print("This stops \(service) and restores it to \(toTime ?? "the end of the archive"); its data directory is kept aside.")
            print("Type the service name to continue: ", terminator: "")
            guard readLine()?.trimmingCharacters(in: .whitespaces) == service else {
                printError("aborted: nothing was changed")
                throw ExitCode(ExitStatus.daemonError)
            }
        }
        let request = ControlRequest.pitrRestore(ServiceID(validated: service), to: pitrTarget)
        let global = global
        let exchange: @Sendable () throws -> ControlReply = {
            try DaemonExchange.reach(request, options: global, timeout: .seconds(86_400))
        }
        let reply = target.follow ? try ProgressFollower.run(global: global, service: service, exchange) : try exchange()
        if target.json {
            print(try prettyJSON(reply))
        } else if let message = reply.message {
            print(message)
        }
        guard reply.ok else {
            printError("error: \(reply.error?.message ?? "the restore failed")")
            throw ExitCode(ExitStatus.daemonError)
        }
    }
}
