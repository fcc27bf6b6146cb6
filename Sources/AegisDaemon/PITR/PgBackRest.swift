import AegisCore
import AegisSystem
import Foundation

/// pgBackRest for one PostgreSQL instance: its files (written before the postmaster starts, so
/// `archive_command` finds them) and its commands, run as the service account with a clean
/// environment and a deadline. The repository's cipher passphrase is only ever in the 0600
/// configuration file, never in an argument list or an environment.
struct PgBackRest: Sendable {
    let renderer: PgBackRestConfigRenderer
    let account: ServiceAccount
    let layout: StateLayout
    /// The CA file that verifies repository 2's store, resolved (`aegisd`: aegisd's own CA).
    let repo2CAFile: String?

    init(instance: PostgresInstance, config: AegisConfig, account: ServiceAccount) {
        self.renderer = PgBackRestConfigRenderer(
            instance: instance, settings: config.postgres.instances[instance]!, pitr: config.pitr, layout: config.layout,
            superuser: account.name)
        self.account = account
        self.layout = config.layout
        switch config.pitr.repo2CAFile {
        case "": repo2CAFile = nil
        case PITRSettings.aegisdCA: repo2CAFile = CertificateLayout(config).ca.certificate
        case let path: repo2CAFile = path
        }
    }

    var pitr: PITRSettings { renderer.pitr }
    /// The repositories: 1, and 2 when configured.
    var repositories: [Int] { pitr.hasRepo2 ? [1, 2] : [1] }

    var service: ServiceID { renderer.instance.serviceID }
    static let executable = FileSystem.findExecutable("pgbackrest") ?? "/usr/bin/pgbackrest"

    /// The repository, spool, log and lock directories, the cipher passphrase (generated once
    /// into `secrets/`), and `pgbackrest.conf`. Idempotent: run at every start of the instance.
    /// Repository 2's key files unusable: the file is written with repository 1 alone (archiving
    /// must not stop for the off-host copy) and the reason is returned.
    @discardableResult
    func writeFiles() throws(SystemError) -> String? {
        guard FileSystem.isExecutable(Self.executable) else {
            throw SystemError("pgBackRest is not installed ([pitr] needs it): install it with `apt-get install pgbackrest`, or set [pitr] enabled = false")
        }
        try FileSystem.makeDirectory(layout.pgBackRestRepoDir, mode: 0o750, owner: account)
        try FileSystem.makeDirectory(renderer.spoolDir, mode: 0o700, owner: account)
        try FileSystem.makeDirectory(renderer.logDir, mode: 0o700, owner: account)
        try FileSystem.makeDirectory(renderer.lockDir, mode: 0o700, owner: account)
        let passphrase = try SecretFile.readOrCreate(layout.pgBackRestCipherFile, length: 64)
        var repo2: PgBackRestConfigRenderer.Repo2Access?
        var repo2Problem: String?
        do {
            repo2 = try repo2Access()
        } catch {
            repo2Problem = "repository 2 is left out until this is fixed: \(error.message)"
        }
        try FileSystem.writeAtomically(
            renderer.configFile, contents: renderer.configuration(cipherPassphrase: passphrase, repo2: repo2),
            mode: 0o600, owner: account)
        return repo2Problem
    }

    /// Why repository 2 cannot be used now (its key files), or nil.
    func repo2Problem() -> String? {
        do {
            _ = try repo2Access()
            return nil
        } catch {
            return "repository 2 is left out until this is fixed: \(error.message)"
        }
    }

    /// Where a repository is, for status: a directory, or `s3://BUCKET/PATH at ENDPOINT`.
    func location(of repo: Int) -> String {
        repo == 1 ? layout.pgBackRestRepoDir : "s3://\(pitr.repo2Bucket)\(pitr.repo2Path) at \(pitr.repo2Endpoint)"
    }

    /// Repository 2's keys (from the operator's files) and cipher passphrase (generated once
    /// into `secrets/`), or nil without repository 2.
    private func repo2Access() throws(SystemError) -> PgBackRestConfigRenderer.Repo2Access? {
        guard pitr.hasRepo2 else { return nil }
        return PgBackRestConfigRenderer.Repo2Access(
            accessKey: try S3KeyFile.read(pitr.repo2KeyFile, key: "pitr.repo2_key_file"),
            secretKey: try S3KeyFile.read(pitr.repo2SecretKeyFile, key: "pitr.repo2_secret_key_file"),
            cipherPassphrase: pitr.repo2Encrypted ? try SecretFile.readOrCreate(layout.pgBackRestRepo2CipherFile, length: 64) : nil,
            caFile: repo2CAFile)
    }

    /// Runs `pgbackrest … COMMAND` and returns its output; throws with its last lines when it fails.
    @discardableResult
    func run(_ command: String, _ options: [String] = [], deadline: Duration) async throws(SystemError) -> [String] {
        let spec = LaunchSpec(
            executable: Self.executable, arguments: renderer.arguments(command, options),
            // The spool, not repository 1: a restore must start when repository 1 is lost.
            workingDirectory: renderer.spoolDir, account: account)
        let (status, lines) = try await ChildProcess.output(of: spec, deadline: deadline)
        guard status == .exited(0) else {
            let tail = lines.filter { !$0.isEmpty }.suffix(4).joined(separator: " | ")
            throw SystemError("pgbackrest \(command) \(status)" + (tail.isEmpty ? "" : ": \(tail)"))
        }
        return lines
    }

    /// `pgbackrest info --output=json` for this stanza. With repository 2's store down,
    /// pgBackRest reports that repository's error and the others' contents, after retrying the
    /// store: `io-timeout` 10 s instead of the default 60 s keeps that within the deadline (tens
    /// of seconds were seen against a stopped store).
    func info() async throws(SystemError) -> PgBackRestInfo {
        let lines = try await run("info", ["--output=json", "--io-timeout=10"], deadline: .seconds(60))
        do {
            return try PgBackRestInfo.parse(lines.joined(separator: "\n"), stanza: renderer.stanza)
        } catch {
            throw SystemError(error.description)
        }
    }

    /// The newest archived WAL file's modification time: when it reached the repository, so
    /// every commit in it is older. The upper end of the recoverable window while the instance
    /// cannot be asked (it is stopped, or its data directory is gone).
    func newestArchivedAt(wal: String?) -> Int64? {
        guard let wal, wal.count >= 16 else { return nil }
        let base = "\(layout.pgBackRestRepoDir)/archive/\(renderer.stanza)"
        let manager = FileManager.default
        guard let ids = try? manager.contentsOfDirectory(atPath: base) else { return nil }
        for id in ids.sorted().reversed() {
            let directory = "\(base)/\(id)/\(wal.prefix(16))"
            guard let names = try? manager.contentsOfDirectory(atPath: directory),
                  let file = names.filter({ $0.hasPrefix(wal) }).sorted().last,
                  let attributes = try? manager.attributesOfItem(atPath: "\(directory)/\(file)"),
                  let date = attributes[.modificationDate] as? Date
            else { continue }
            return Int64(date.timeIntervalSince1970)
        }
        return nil
    }
}
