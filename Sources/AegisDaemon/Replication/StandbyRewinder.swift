import AegisCore
import AegisSystem
import Foundation
import Synchronization

/// An old primary's stopped PostgreSQL instance brought back to the new primary's history
/// with `pg_rewind`, so that it follows it without a full copy: its slot made on the new
/// primary first (reserving WAL from then on), the data directory rewound over TLS from the
/// new primary (pg_rewind copies only the blocks that changed since the histories forked),
/// the slots it held as a primary removed, and `standby.signal` written.
struct StandbyRewinder {
    let seeder: StandbySeeder

    var context: DriverContext { seeder.context }
    var side: PostgresReplication.StandbySide { seeder.side }
    var service: ServiceID { seeder.service }
    static let timeout = Duration.seconds(30)

    func rewind() async throws(SystemError) {
        do {
            try seeder.writeCredentialFiles()
        } catch {
            throw SystemError(error.reason)
        }
        try await makeSlot()
        try await runRewind()
        try removeOldSlots()
        do {
            try seeder.ensureStandbySignal()
        } catch {
            throw SystemError(error.reason)
        }
    }

    /// This standby's slot on the new primary, made anew (one left from before holds WAL of no
    /// use to it), over the SQL connection pg_rewind uses, with aegisd's own copy of the credentials.
    private func makeSlot() async throws(SystemError) {
        let credentials = seeder.credentials
        guard let password = try FileSystem.read(credentials.postgresPassword)?.split(separator: "\n").first.map(String.init) else {
            throw SystemError("\(credentials.postgresPassword) is missing")
        }
        let parameters = [
            "host": side.host, "port": String(side.port), "dbname": "postgres", "user": side.user, "password": password,
            "sslmode": "verify-full", "sslrootcert": credentials.caCertificate, "sslcert": credentials.clientCertificate,
            "sslkey": credentials.clientKey, "application_name": "aegisd-rejoin",
        ]
        let slot = side.slotName
        do {
            try await runBlocking {
                let connection = try PostgresConnection(parameters: parameters, timeout: Self.timeout)
                let name = try connection.quoteLiteral(slot)
                let found = try connection.execute("SELECT active FROM pg_replication_slots WHERE slot_name = \(name)", timeout: Self.timeout)
                if let row = found.first {
                    guard row.first != "t" else {
                        throw SystemError("the slot \(slot) on the primary is in use by another standby; give this host another [replication] slot_name")
                    }
                    try connection.execute("SELECT pg_drop_replication_slot(\(name))", timeout: Self.timeout)
                }
                try connection.execute("SELECT pg_create_physical_replication_slot(\(name), true)", timeout: Self.timeout)
            }
        } catch let error as SystemError {
            throw error
        } catch {
            throw SystemError("cannot make the slot \(slot) on \(side.host):\(side.port): \(error)")
        }
        context.logger.notice("made the slot \(slot) on \(side.host):\(side.port)", metadata: ["service": "\(service.rawValue)"])
    }

    /// `pg_rewind` as the service account (it owns the data directory), with the account's copies
    /// of the credentials; its progress shown in the status.
    private func runRewind() async throws(SystemError) {
        context.notifier.extendTimeout(by: .seconds(600))
        let source = side.conninfo + " dbname=postgres"
        let spec = LaunchSpec(
            executable: "\(seeder.binDir)/pg_rewind",
            arguments: ["--target-pgdata=\(seeder.dataDir)", "--source-server=\(source)", "--progress"],
            workingDirectory: seeder.dataDir, account: context.account)
        let service = service
        let progress = context.seeding
        let origin = "\(side.host):\(side.port)"
        progress.set(service, "rewinding from \(origin) (pg_rewind starting)")
        defer { progress.set(service, nil) }
        context.logger.notice("rewinding \(service.rawValue) from \(origin) (pg_rewind)", metadata: ["service": "\(service.rawValue)"])
        let lines = Mutex<[String]>([])
        let status: ExitStatus
        do {
            status = try await ChildProcess.run(spec, onLines: { _, batch in
                lines.withLock { $0 = Array(($0 + batch).suffix(50)) }
                if let last = batch.last(where: { $0.contains(" kB (") }) {
                    progress.set(service, "rewinding from \(origin): \(last.trimmingCharacters(in: .whitespaces))")
                }
            }, onSpawn: { _ in })
        } catch {
            throw SystemError("pg_rewind could not be started: \(error.message)")
        }
        guard status == .exited(0) else {
            let told = lines.withLock { $0 }.filter { !$0.contains(" kB (") }.suffix(3)
            throw SystemError("pg_rewind \(status): " + told.joined(separator: " | "))
        }
        context.logger.notice("rewound \(service.rawValue) from \(origin)", metadata: ["service": "\(service.rawValue)"])
    }

    /// The slots this instance kept for its standbys while it was a primary: pg_rewind leaves
    /// `pg_replslot` as it was, and a standby would keep their WAL for ever (no standby uses
    /// them: the one that did is the primary now).
    private func removeOldSlots() throws(SystemError) {
        let directory = "\(seeder.dataDir)/pg_replslot"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names {
            do {
                try FileManager.default.removeItem(atPath: "\(directory)/\(name)")
            } catch {
                throw SystemError("cannot remove the old slot \(directory)/\(name): \(error.localizedDescription)")
            }
            context.logger.notice(
                "removed the slot \(name) this instance kept as a primary", metadata: ["service": "\(service.rawValue)"])
        }
    }
}
