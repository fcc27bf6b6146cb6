import AegisCore
import AegisSystem
import Glibc

/// Finds the backup a restore or drill means (`latest` or a file name) and the keys that open
/// it. The identity comes from a file on this host that the operator names; by design aegisd
/// does not keep one (config init tells the operator to move it away).
struct BackupSelection: Sendable {
    let item: BackupCatalog.Item
    let manifest: BackupManifest
    let identities: [AgeIdentity]
    /// Where the streaming passes report their bytes; nil when nobody watches.
    var reporter: ProgressReporter?

    init(
        service: ServiceID, backup: String, identityPath: String?, catalog: BackupCatalog, settings: BackupSettings,
        layout: StateLayout
    ) throws(BackupFailure) {
        let complete = catalog.items(of: service).filter { $0.fileExists && $0.manifest?.status == .complete }
        let found: BackupCatalog.Item?
        if backup == "latest" {
            found = complete.last
        } else {
            found = catalog.items(of: service).first { $0.name.fileName == backup || $0.name.stem == backup }
        }
        guard let item = found else {
            throw BackupFailure(backup == "latest"
                ? "\(service.rawValue) has no complete backup yet (aegisctl backups list \(service.rawValue))"
                : "no backup named \(backup) for \(service.rawValue) (aegisctl backups list \(service.rawValue))")
        }
        guard item.fileExists, item.manifest?.status != .failed else {
            throw BackupFailure("\(item.name.fileName) is a failed backup: \(item.manifest?.error ?? "no file")")
        }
        // A file named explicitly but without a manifest (copied in by an operator, or made by
        // `pg_dump | gzip | age` by hand) is accepted: age and gzip still authenticate it; it
        // just has no hash or row counts to compare with.
        let manifest = item.manifest ?? BackupManifest(
            service: service, file: item.name.fileName, database: nil, status: .complete,
            startedAt: item.name.createdAt, finishedAt: item.name.createdAt, size: item.size,
            encryption: item.name.encrypted ? BackupSettings.Encryption.x25519.rawValue : BackupSettings.Encryption.none.rawValue)
        self.item = item
        self.manifest = manifest
        identities = item.name.encrypted
            ? try Self.identities(for: manifest, path: identityPath, settings: settings, layout: layout) : []
    }

    private static func identities(
        for manifest: BackupManifest, path: String?, settings: BackupSettings, layout: StateLayout
    ) throws(BackupFailure) -> [AgeIdentity] {
        if manifest.encryption == BackupSettings.Encryption.passphrase.rawValue {
            let file = settings.passphraseFile.isEmpty ? "\(layout.secretsDir)/backup.passphrase" : settings.passphraseFile
            guard let text = try? FileSystem.read(file) else {
                throw BackupFailure("this backup is passphrase-encrypted and \(file) cannot be read")
            }
            return [.passphrase(String(text.split(separator: "\n", omittingEmptySubsequences: false).first ?? ""))]
        }
        let file = path ?? "\(layout.secretsDir)/backup.agekey"
        let text: String?
        do { text = try FileSystem.read(file) } catch { throw BackupFailure("cannot read the identity \(file): \(error)") }
        guard let text else {
            throw BackupFailure(
                "no identity to decrypt with: \(file) does not exist. Copy the backup key (AGE-SECRET-KEY-…) to this "
                    + "host temporarily and pass it with --identity FILE")
        }
        do {
            return try AgeX25519Identity.parseIdentityFile(text).map { .x25519($0) }
        } catch {
            throw BackupFailure("\(file): \(error)")
        }
    }

    /// Authenticates the whole file without using it (`BackupReader.authenticate`).
    func authenticate() async throws {
        let item = item
        let manifest = manifest
        let identities = identities
        let progress = reporter?.begin("authenticating")
        _ = try await runBlocking {
            try BackupReader.authenticate(
                path: item.path, encrypted: item.name.encrypted, identities: identities,
                expectedSHA256: manifest.sha256, progress: progress)
        }
    }

    /// Streams the plaintext into `fd` (closed afterwards, so the reader sees end of file).
    func stream(into fd: Int32, what: String) async throws {
        let item = item
        let manifest = manifest
        let identities = identities
        let progress = reporter?.begin("loading")
        _ = try await runBlocking {
            defer { close(fd) }
            try BackupReader.read(
                path: item.path, encrypted: item.name.encrypted, identities: identities,
                expectedSHA256: manifest.sha256, into: DescriptorSink(fd: fd, what: what), progress: progress)
        }
    }
}
