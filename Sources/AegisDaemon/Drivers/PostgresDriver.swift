import AegisCore
import AegisSystem
import Glibc
import Synchronization

/// One PostgreSQL 15 instance: initdb on first start, generated config, the postmaster as a
/// direct child (no pg_ctl in between, so its exit is ours to see at once), health by
/// `SELECT 1` under a deadline on a connection renewed every few checks (PQping explains a
/// refusal), and the app's role and database.
public final class PostgresDriver: ServiceDriver {
    public let service: ServiceID
    public let stopPlan = StopPlan.postgres
    let context: DriverContext
    let renderer: PostgresConfigRenderer
    let settings: PostgresInstanceSettings
    let instance: PostgresInstance
    /// Role and database are ensured once per launch, before the first healthy answer.
    private let bootstrapped = Mutex(false)
    /// The health checks' connection, kept between checks (`checkHealth`).
    private let healthConnection = KeptConnection<PostgresConnection>(maxUses: PostgresDriver.freshConnectionEvery)

    public init(instance: PostgresInstance, context: DriverContext) {
        self.service = instance.serviceID
        self.instance = instance
        self.context = context
        self.settings = context.config.postgres.instances[instance]!
        self.renderer = Self.renderer(instance, context: context)
    }

    /// The renderer of `context`'s configuration.
    static func renderer(_ instance: PostgresInstance, context: DriverContext) -> PostgresConfigRenderer {
        let config = context.config
        return PostgresConfigRenderer(
            instance: instance, settings: config.postgres.instances[instance]!, layout: context.layout,
            superuser: context.account.name, daemonUser: context.daemonUser,
            tls: ServerTLSFiles.of(instance.serviceID, config: config),
            archiving: config.pitrEnabled(instance.serviceID)
                ? PgBackRest(instance: instance, config: config, account: context.account).renderer : nil,
            replication: PostgresReplication.of(instance, config: config, applicationName: config.replication.slotName))
    }

    /// The standby's side of `[replication]`, or nil on a primary.
    var standby: StandbySeeder? {
        guard case .standby(let side) = current.replication, !context.promotions.contains(service) else { return nil }
        return StandbySeeder(context: context, service: service, side: side, dataDir: renderer.dataDir, binDir: binDir)
    }

    var binDir: String { context.config.postgres.binDir }

    /// The renderer for this launch: an old primary that rejoined as a standby since aegisd
    /// started is rendered as one; a standby's instance promoted since aegisd started is
    /// rendered as a primary (no `primary_conninfo`). Until the rewritten configuration is read.
    var current: PostgresConfigRenderer {
        if context.rejoined.current != nil, !context.promotions.contains(service) { return Self.renderer(instance, context: context) }
        guard case .standby = renderer.replication, context.promotions.contains(service) else { return renderer }
        let replication = context.config.replication
        return PostgresConfigRenderer(
            instance: instance, settings: settings, layout: context.layout, superuser: renderer.superuser,
            daemonUser: renderer.daemonUser, tls: renderer.tls, archiving: renderer.archiving,
            replication: .primary(.init(
                standbyNetworks: replication.standbyNetworks, maxSlotWalKeepSizeMb: replication.maxSlotWalKeepSizeMb,
                synchronous: false)))
    }

    public func prepare() async throws(LaunchFailure) -> LaunchSpec {
        let postgres = "\(binDir)/postgres"
        guard FileSystem.isExecutable(postgres), FileSystem.isExecutable("\(binDir)/initdb") else {
            throw LaunchFailure(
                "PostgreSQL 15 is not installed in \(binDir) (postgres.bin_dir): install it with "
                    + "`apt-get install postgresql-15` or point postgres.bin_dir at its bin directory",
                permanent: true)
        }
        bootstrapped.withLock { $0 = false }
        healthConnection.reset()
        try context.makeServiceDirectories(service)
        try await stopLeftoverPostmaster()
        try await stopInterruptedRestore()
        do {
            if let undone = try PITRRestoreMarker.rollBackInterrupted(dataDir: renderer.dataDir) {
                context.logger.warning("\(undone)", metadata: ["service": "\(service.rawValue)"])
            }
        } catch {
            throw LaunchFailure("an interrupted point-in-time restore could not be undone: \(error.message)")
        }
        try await stopOrphanedBackends()
        removeStaleLockFiles()
        if let standby {
            try standby.writeCredentialFiles()
            _ = try standby.clearInterruptedCopy()
            if !FileSystem.exists("\(renderer.dataDir)/PG_VERSION") { try await standby.copyFromPrimary() }
            try standby.ensureStandbySignal()
        } else if !FileSystem.exists("\(renderer.dataDir)/PG_VERSION") {
            try await initdb()
        }
        try context.writeServiceFile(renderer.configFile, postgresqlConf())
        try context.writeServiceFile(renderer.hbaFile, current.pgHbaConf)
        try context.writeServiceFile(renderer.identFile, renderer.pgIdentConf)
        return LaunchSpec(
            executable: postgres, arguments: renderer.serverArguments, workingDirectory: renderer.dataDir,
            account: context.account)
    }

    /// `postgresql.conf`, with WAL archiving when `[pitr]` is on and pgBackRest's files could be
    /// written. When they cannot (pgBackRest missing, a full disk), the database starts without
    /// archiving rather than not at all; PITR status says why.
    private func postgresqlConf() -> String {
        guard context.config.pitrEnabled(service) else { return current.postgresqlConf }
        do {
            if let problem = try PgBackRest(instance: instance, config: context.config, account: context.account).writeFiles() {
                context.logger.error("point-in-time recovery: \(problem)", metadata: ["service": "\(service.rawValue)"])
            }
            return current.postgresqlConf
        } catch {
            context.logger.error(
                "point-in-time recovery is off for this start: \(error.message)", metadata: ["service": "\(service.rawValue)"])
            return PostgresConfigRenderer(
                instance: instance, settings: settings, layout: context.layout, superuser: renderer.superuser,
                daemonUser: renderer.daemonUser, tls: renderer.tls, replication: current.replication).postgresqlConf
        }
    }

    /// Over a connection kept from one check to the next, renewed every `freshConnectionEvery`
    /// checks: only a connection being set up goes through the postmaster, and a SIGSTOPped
    /// postmaster leaves every established backend answering `SELECT 1`. A renewal that finds
    /// the postmaster silent keeps nothing, so every check after it connects anew and fails too:
    /// a hung postmaster is caught within `freshConnectionEvery` + `failure_threshold` checks.
    /// The first healthy answer of a launch is on a new connection of its own, which also makes
    /// the app's role and database and migrates the schema.
    public func checkHealth(timeout: Duration) async -> HealthResult {
        // aegisd's own writes (roles, migrations) commit locally: with `[replication] synchronous`
        // they would otherwise wait for a standby that may not exist yet, and the primary would
        // never become healthy for a standby to copy.
        let parameters = [
            "host": renderer.socketDir, "port": String(settings.port), "user": context.account.name,
            "dbname": "postgres", "application_name": "aegisd-health", "options": "-c synchronous_commit=local",
        ]
        // A standby's roles, databases and schema come from the primary; it is read-only.
        let needsBootstrap = standby == nil && !bootstrapped.withLock { $0 }
        guard needsBootstrap else {
            let healthConnection = healthConnection
            do {
                _ = try await runBlocking {
                    try healthConnection.use(
                        connect: { try Self.connect(parameters, timeout: timeout) },
                        isDeadline: { ($0 as? PostgresError)?.isDeadline == true }
                    ) { connection in
                        try connection.execute("SELECT 1", timeout: timeout)
                    }
                }
                return .healthy
            } catch {
                return .unhealthy("\(error)")
            }
        }
        let password: String
        let replicatorPassword: String?
        do {
            password = try context.password(file: settings.passwordFile, service: service)
            replicatorPassword = renderer.tls != nil
                ? try context.password(file: ReplicationCredentials.primaryPostgresPassword(context.layout), service: service) : nil
        } catch {
            return .unhealthy(error.reason)
        }
        let settings = settings
        let instance = instance
        do {
            let cleared: [String] = try await runBlocking {
                let connection = try Self.connect(parameters, timeout: timeout)
                try connection.execute("SELECT 1", timeout: timeout)
                try Self.bootstrap(connection, settings: settings, password: password)
                if let replicatorPassword { try Self.ensureReplicationRole(connection, password: replicatorPassword) }
                let cleared = try Self.clearInterruptedRestore(connection, database: settings.database)
                try Self.migrate(parameters: parameters, settings: settings, instance: instance)
                return cleared
            }
            for note in cleared { context.logger.warning("\(note)", metadata: ["service": "\(instance.serviceID.rawValue)"]) }
        } catch let problem as MigrationProblem {
            // Not healthy, and retrying will not help: the service stops and is failed, with why.
            return .refused("schema of \(settings.database): \(problem)")
        } catch {
            return .unhealthy("\(error)")
        }
        bootstrapped.withLock { $0 = true }
        return .healthy
    }

    /// A health check's connection under `timeout`. When the server answered but refused,
    /// PQping says why in libpq's own terms (starting up, shutting down, recovering); it is
    /// never asked of a silent server, whose connect_timeout (2 s at least) would outlast the
    /// deadline.
    private static func connect(_ parameters: [String: String], timeout: Duration) throws(PostgresError) -> PostgresConnection {
        do {
            return try PostgresConnection(parameters: parameters, timeout: timeout)
        } catch {
            guard !error.isDeadline else { throw error }
            throw PostgresError(PostgresPing(parameters: parameters, timeout: timeout).problem.map {
                "\($0): \(error)"
            } ?? "\(error)")
        }
    }

    /// Every fifth check is made on a new connection. Each new one forks a backend in the
    /// server and was, at one check a second for each of three instances, a quarter of an idle
    /// aegisd's CPU (docs/benchmarks.md); a hung postmaster is still caught within seconds.
    static let freshConnectionEvery = 5

    /// Lets go of the health check's connection: a smart shutdown waits for every client.
    public func releaseConnections() {
        healthConnection.reset()
    }

    /// The app's login role and database, and the schema roles (docs/schema.md): the database is
    /// owned by `aegis_owner`, the login role is a member of `aegis_app` and owns nothing. The
    /// password is sent as a SCRAM verifier computed by libpq, so the clear text is never on the
    /// wire nor in a server log. Idempotent: the password is re-synchronized with its secret file
    /// at every start, and a database made by an older aegisd (owned by the login role) is
    /// handed to the owner role.
    static func bootstrap(_ connection: PostgresConnection, settings: PostgresInstanceSettings, password: String) throws {
        let timeout = Duration.seconds(30)
        for name in SchemaRoles.all {
            let exists = try !connection.execute(
                "SELECT 1 FROM pg_roles WHERE rolname = \(try connection.quoteLiteral(name))", timeout: timeout
            ).isEmpty
            if !exists { try connection.execute("CREATE ROLE \(name) NOLOGIN", timeout: timeout) }
        }
        let role = try connection.quoteIdentifier(settings.user)
        let verifier = try connection.quoteLiteral(
            try connection.scramVerifier(password: password, role: settings.user))
        let roleExists = try !connection.execute(
            "SELECT 1 FROM pg_roles WHERE rolname = \(try connection.quoteLiteral(settings.user))", timeout: timeout
        ).isEmpty
        try connection.execute(
            "\(roleExists ? "ALTER" : "CREATE") ROLE \(role) WITH LOGIN PASSWORD \(verifier)", timeout: timeout)
        let databaseExists = try !connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = \(try connection.quoteLiteral(settings.database))",
            timeout: timeout
        ).isEmpty
        let database = try connection.quoteIdentifier(settings.database)
        if !databaseExists {
            try connection.execute("CREATE DATABASE \(database) OWNER \(SchemaRoles.owner)", timeout: timeout)
        } else {
            try connection.execute("ALTER DATABASE \(database) OWNER TO \(SchemaRoles.owner)", timeout: timeout)
        }
        try connection.execute("GRANT \(SchemaRoles.app) TO \(role)", timeout: timeout)
    }

    /// The role standbys replicate as (`ReplicationCredentials.postgresRole`): REPLICATION and
    /// LOGIN, and EXECUTE on the functions pg_rewind reads a primary's files with
    /// (`PostgresReplication.rewindGrants`), nothing else, its password re-synchronized with its
    /// secret file at every start. pg_hba admits it only for replication and to the `postgres`
    /// database (pg_rewind's SQL), over TLS, with a client certificate.
    static func ensureReplicationRole(_ connection: PostgresConnection, password: String) throws {
        let name = ReplicationCredentials.postgresRole
        let exists = try !connection.execute(
            "SELECT 1 FROM pg_roles WHERE rolname = \(try connection.quoteLiteral(name))", timeout: .seconds(30)).isEmpty
        let verifier = try connection.quoteLiteral(try connection.scramVerifier(password: password, role: name))
        try connection.execute(
            "\(exists ? "ALTER" : "CREATE") ROLE \(try connection.quoteIdentifier(name)) WITH REPLICATION LOGIN PASSWORD \(verifier)",
            timeout: .seconds(30))
        // pg_rewind, run by an old primary that rejoins as a standby, reads this server's files.
        for function in PostgresReplication.rewindGrants {
            try connection.execute("GRANT EXECUTE ON FUNCTION \(function) TO \(try connection.quoteIdentifier(name))", timeout: .seconds(30))
        }
    }

    /// What a restore or drill leaves when aegisd dies in the middle (see `PostgresRestorer`): the
    /// live database still refusing connections (killed inside the swap), and the half-loaded
    /// `<db>_restore_*` or `<db>_verify_*` database. Runs after a launch, when no restore can be
    /// in progress (its sessions ended with the previous server). Returns what it did, to log.
    static func clearInterruptedRestore(_ connection: PostgresConnection, database name: String) throws -> [String] {
        let timeout = Duration.seconds(120)
        var notes: [String] = []
        let database = try connection.quoteIdentifier(name)
        let refusing = try connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = \(try connection.quoteLiteral(name)) AND NOT datallowconn", timeout: timeout)
        if !refusing.isEmpty {
            try connection.execute("ALTER DATABASE \(database) WITH ALLOW_CONNECTIONS true", timeout: timeout)
            notes.append("\(name) accepts connections again: a restore was interrupted while swapping it")
        }
        let leftovers = try connection.execute(
            "SELECT datname FROM pg_database WHERE starts_with(datname, \(try connection.quoteLiteral(name + "_restore_"))) "
                + "OR starts_with(datname, \(try connection.quoteLiteral(name + "_verify_"))) ORDER BY datname",
            timeout: timeout
        ).compactMap { $0.first ?? nil }
        for leftover in leftovers {
            try connection.execute("DROP DATABASE \(try connection.quoteIdentifier(leftover)) WITH (FORCE)", timeout: timeout)
            notes.append("dropped \(leftover), the half-loaded database of an interrupted restore or drill")
        }
        return notes
    }

    /// Brings the application database's schema up to date before the service is first
    /// reported healthy; throws `MigrationProblem` when it must not be touched.
    static func migrate(parameters: [String: String], settings: PostgresInstanceSettings, instance: PostgresInstance) throws {
        var parameters = parameters
        parameters["dbname"] = settings.database
        parameters["application_name"] = "aegisd-migrate"
        let connection = try PostgresConnection(parameters: parameters, timeout: .seconds(30))
        try SchemaMigrator(connection: connection, migrations: MigrationCatalog.migrations(for: instance)).migrate()
    }

    private func initdb() async throws(LaunchFailure) {
        context.logger.notice(
            "initializing a new PostgreSQL cluster in \(renderer.dataDir)", metadata: ["service": "\(service.rawValue)"])
        context.notifier.extendTimeout(by: .seconds(60))
        let spec = LaunchSpec(
            executable: "\(binDir)/initdb", arguments: renderer.initdbArguments, workingDirectory: renderer.dataDir,
            account: context.account)
        let result: (status: ExitStatus, lines: [String])
        do {
            result = try await ChildProcess.output(of: spec)
        } catch {
            throw LaunchFailure("initdb could not be started: \(error.message)")
        }
        guard result.status == .exited(0) else {
            throw LaunchFailure(
                "initdb \(result.status): " + result.lines.suffix(5).joined(separator: " | "))
        }
    }

    /// The backends of a postmaster that died by SIGKILL (killed by someone, or by us as hung)
    /// live on for a moment: each leads a session of its own, so a signal to the postmaster's
    /// group misses them, and they keep its shared memory attached. A postmaster started then
    /// refuses ("pre-existing shared memory block is still in use") and exits, a wasted restart.
    /// They exit by themselves once they notice; what is left after a short wait is killed, as
    /// PostgreSQL asks of whoever restarts it after a crash.
    private func stopOrphanedBackends() async throws(LaunchFailure) {
        // /proc/PID/exe is the resolved path; bin_dir may go through a symbolic link.
        let configured = "\(binDir)/postgres"
        let postgres = realpath(configured, nil).map { resolved in
            defer { free(resolved) }
            return String(cString: resolved)
        } ?? configured
        // Backends notice their postmaster's death and exit by themselves: 2 s for that, woken
        // by their exits (pidfds), then SIGKILL.
        let found = ProcessTable.running(postgres, in: renderer.dataDir)
        guard !found.isEmpty, !(await ProcessExitWait.untilExited(found, timeout: .seconds(2))) else { return }
        let left = ProcessTable.running(postgres, in: renderer.dataDir)
        guard !left.isEmpty else { return }
        context.logger.notice(
            "killing \(left.count) backends left by the previous postmaster: \(left)", metadata: ["service": "\(service.rawValue)"])
        for pid in left { ProcessTable.send(SIGKILL, to: pid) }
        guard await ProcessExitWait.untilExited(left, timeout: .seconds(5)),
              ProcessTable.running(postgres, in: renderer.dataDir).isEmpty
        else {
            throw LaunchFailure("backends of a previous postmaster (\(left)) still run on \(renderer.dataDir) and do not exit")
        }
    }

    /// A `pgbackrest restore` started by an aegisd that was then killed keeps running (it has a
    /// process group of its own, which only systemd's cgroup would have ended), writing into the
    /// data directory by its path. The restore is undone just after this; the path must then
    /// hold the previous data directory and nothing may write into it any more, so that restore
    /// is killed first and waited for.
    private func stopInterruptedRestore() async throws(LaunchFailure) {
        guard FileSystem.exists(PITRRestoreMarker.path(dataDir: renderer.dataDir)) else { return }
        let configFile = PgBackRest(instance: instance, config: context.config, account: context.account).renderer.configFile
        let restores = ProcessTable.running(withArguments: ["--config=\(configFile)"]).filter { pid in
            ProcessTable.commandLine(pid).contains { $0.hasPrefix("restore") }
        }
        guard !restores.isEmpty else { return }
        context.logger.notice(
            "stopping the pgbackrest restore (\(restores)) an earlier aegisd left running", metadata: ["service": "\(service.rawValue)"])
        for pid in restores { ProcessTable.send(SIGKILL, to: pid) }
        guard await ProcessExitWait.untilExited(restores, timeout: .seconds(10)) else {
            throw LaunchFailure("a pgbackrest restore left by an earlier aegisd (\(restores)) does not exit; stop it by hand")
        }
    }

    /// With no postgres left running from the data directory, a `postmaster.pid` (or socket lock
    /// file) is stale. PostgreSQL removes a stale one itself unless the pid it names has been
    /// reused by another live process (pids wrap quickly on a busy host): then it refuses to
    /// start ("lock file already exists"). Called only after the two checks above.
    private func removeStaleLockFiles() {
        let lockFiles = ["\(renderer.dataDir)/postmaster.pid", "\(renderer.socketDir)/.s.PGSQL.\(settings.port).lock"]
        for path in lockFiles where FileSystem.exists(path) {
            context.logger.notice("removing \(path), left by a postmaster that is gone", metadata: ["service": "\(service.rawValue)"])
            FileSystem.remove(path)
        }
    }

    /// A postmaster left behind by a killed aegisd still owns the data directory. It is
    /// recognized by `postmaster.pid` (its first line is the pid) and by /proc: the process must
    /// be a `postgres` whose working directory is our data directory. Anything else means the
    /// pid file is stale and PostgreSQL itself will deal with it.
    private func stopLeftoverPostmaster() async throws(LaunchFailure) {
        try await LeftoverProcess.stopRecordedChild(context: context, service: service, plan: stopPlan)
        guard let text = try? FileSystem.read("\(renderer.dataDir)/postmaster.pid"),
            let pid = text.split(separator: "\n").first.flatMap({ Int32($0.trimmingCharacters(in: .whitespaces)) }),
            ProcessTable.isAlive(pid),
            ProcessTable.commandLine(pid).first?.hasSuffix("postgres") == true,
            ProcessTable.workingDirectory(pid) == renderer.dataDir
        else { return }
        guard await LeftoverProcess.stop(pid: pid, plan: stopPlan, what: "postmaster", logger: context.logger) else {
            throw LaunchFailure("a postmaster (pid \(pid)) still runs on \(renderer.dataDir) and does not stop")
        }
    }
}
