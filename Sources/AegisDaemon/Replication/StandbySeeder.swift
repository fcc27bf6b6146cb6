import AegisCore
import AegisSystem
import Foundation
import Synchronization

/// A standby's PostgreSQL instance before it starts: the credentials copied where the server
/// (its own account) can read them, the data directory copied from the primary with
/// `pg_basebackup` when it is empty, and `standby.signal` always present, so that an instance
/// whose configuration says standby never starts as a primary.
struct StandbySeeder {
    let context: DriverContext
    let service: ServiceID
    let side: PostgresReplication.StandbySide
    let dataDir: String
    let binDir: String

    var credentials: ReplicationCredentials { ReplicationCredentials(config: context.config) }

    /// Copies of the pairing credentials owned by the service account (0600): PostgreSQL
    /// refuses a key or passfile that others can read, and runs as that account.
    func writeCredentialFiles() throws(LaunchFailure) {
        let files = StandbyFiles(layout: context.layout, service: service)
        do throws(SystemError) {
            try FileSystem.makeDirectory(files.directory, mode: 0o700, owner: context.account)
            for (source, target) in [(credentials.caCertificate, files.rootCertificate), (credentials.clientCertificate, files.certificate),
                                     (credentials.clientKey, files.key)] {
                guard let text = try FileSystem.read(source) else {
                    throw SystemError("\(source) is missing: pair this host again with aegisd config init --standby-of BUNDLE")
                }
                try FileSystem.writeAtomically(target, contents: text, mode: 0o600, owner: context.account)
            }
            guard let password = try FileSystem.read(credentials.postgresPassword)?.split(separator: "\n").first.map(String.init) else {
                throw SystemError("\(credentials.postgresPassword) is missing: pair this host again with aegisd config init --standby-of BUNDLE")
            }
            try FileSystem.writeAtomically(files.passFile, contents: side.passFileLine(password: password), mode: 0o600, owner: context.account)
        } catch {
            throw LaunchFailure("standby credentials: \(error.message)")
        }
    }

    /// `pg_basebackup` from the primary into the empty data directory: over TLS verified
    /// against the primary's CA, WAL streamed alongside (`-X stream`) so the copy is consistent
    /// on its own, into the standby's slot (created by this copy; one an earlier copy left is
    /// dropped first), with a fast checkpoint so the copy starts at once. A marker beside the
    /// data directory stands while the copy runs (`interruptedCopy`).
    func copyFromPrimary() async throws(LaunchFailure) {
        do {
            try FileSystem.writeAtomically(copyMarker, contents: "pg_basebackup from \(side.host):\(side.port)\n", mode: 0o600)
        } catch {
            throw LaunchFailure("cannot write \(copyMarker): \(error.message)")
        }
        context.logger.notice(
            "copying \(service.rawValue) from the primary \(side.host):\(side.port) (pg_basebackup, slot \(side.slotName))",
            metadata: ["service": "\(service.rawValue)"])
        var result = try await basebackup(createSlot: true)
        if result.status != .exited(0), result.lines.contains(where: { $0.contains("already exists") && $0.contains("slot") }) {
            // The slot of an earlier copy of this standby: what it kept is of no use to an empty
            // data directory (and it may be lost), so it is dropped and made anew.
            try await dropSlot()
            result = try await basebackup(createSlot: true)
        }
        guard result.status == .exited(0) else {
            throw LaunchFailure(
                "pg_basebackup from \(side.host):\(side.port) \(result.status): " + result.lines.suffix(4).joined(separator: " | "))
        }
        FileSystem.remove(copyMarker)
        context.logger.notice("copied \(service.rawValue) from the primary", metadata: ["service": "\(service.rawValue)"])
    }

    /// Stands while a copy runs: pg_basebackup cleans up after its own failures, but not after
    /// aegisd was killed in the middle, which leaves a partial data directory behind.
    var copyMarker: String { "\(dataDir).copying" }

    /// Removes what an interrupted copy left (a partial data directory is worth nothing: it is
    /// copied again), so that it is never started. Returns whether there was one.
    func clearInterruptedCopy() throws(LaunchFailure) -> Bool {
        guard FileSystem.exists(copyMarker) else { return false }
        context.logger.notice(
            "removing the partial copy in \(dataDir) an interrupted pg_basebackup left; copying again",
            metadata: ["service": "\(service.rawValue)"])
        do {
            for name in try FileManager.default.contentsOfDirectory(atPath: dataDir) {
                try FileManager.default.removeItem(atPath: "\(dataDir)/\(name)")
            }
        } catch {
            throw LaunchFailure("cannot empty \(dataDir) after an interrupted copy: \(error.localizedDescription)")
        }
        return true
    }

    /// `pg_receivewal --drop-slot`: over a replication connection, which the replication role may use.
    private func dropSlot() async throws(LaunchFailure) {
        context.logger.notice(
            "dropping the slot \(side.slotName) an earlier copy left on the primary", metadata: ["service": "\(service.rawValue)"])
        let spec = LaunchSpec(
            executable: "\(binDir)/pg_receivewal", arguments: ["-d", side.conninfo, "-S", side.slotName, "--drop-slot", "--no-password"],
            workingDirectory: dataDir, account: context.account)
        do {
            let result = try await ChildProcess.output(of: spec)
            guard result.status == .exited(0) else {
                throw LaunchFailure("pg_receivewal --drop-slot \(result.status): " + result.lines.suffix(3).joined(separator: " | "))
            }
        } catch let failure as LaunchFailure {
            throw failure
        } catch {
            throw LaunchFailure("pg_receivewal could not be started: \(error)")
        }
    }

    private func basebackup(createSlot: Bool) async throws(LaunchFailure) -> (status: ExitStatus, lines: [String]) {
        context.notifier.extendTimeout(by: .seconds(600))
        let arguments = ["-D", dataDir, "-d", side.conninfo, "-X", "stream", "-S", side.slotName, "--checkpoint=fast", "--no-password",
                         "--progress"] + (createSlot ? ["--create-slot"] : [])
        let spec = LaunchSpec(
            executable: "\(binDir)/pg_basebackup", arguments: arguments, workingDirectory: dataDir, account: context.account)
        let service = service
        let progress = context.seeding
        progress.set(service, "copying from \(side.host):\(side.port) (pg_basebackup starting)")
        defer { progress.set(service, nil) }
        let lines = Mutex<[String]>([])
        do {
            // --progress prints "12345/67890 kB (18%), 0/1 tablespace" lines (not a terminal: one per line).
            let status = try await ChildProcess.run(spec, onLines: { _, batch in
                // The last lines only, for the error message: --progress prints one a second.
                lines.withLock { $0 = Array(($0 + batch).suffix(50)) }
                if let last = batch.last(where: { $0.contains(" kB (") }) {
                    progress.set(service, "copying from \(side.host):\(side.port): \(last.trimmingCharacters(in: .whitespaces))")
                }
            }, onSpawn: { _ in })
            return (status, lines.withLock { $0 })
        } catch {
            throw LaunchFailure("pg_basebackup could not be started: \(error.message)")
        }
    }

    /// Writes `standby.signal` when it is missing (a fresh copy, or a data directory that was a
    /// primary's): the server then follows the primary instead of accepting writes.
    func ensureStandbySignal() throws(LaunchFailure) {
        let signal = "\(dataDir)/standby.signal"
        guard !FileSystem.exists(signal) else { return }
        context.logger.notice(
            "writing \(signal): [replication] role is standby, so this instance starts as a standby",
            metadata: ["service": "\(service.rawValue)"])
        try context.writeServiceFile(signal, "")
    }
}
