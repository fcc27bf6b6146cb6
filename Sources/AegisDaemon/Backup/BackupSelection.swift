import AegisCore
import AegisSystem
import Glibc

/// Finds the backup a restore or drill means (`latest` or a file name) and the keys that open
/// it. The identity normally comes with the request, read by aegisctl from the operator's own
/// file; by design aegisd does not keep one (config init tells the operator to move it away).
struct BackupSelection: Sendable {
    let item: BackupCatalog.Item
    let manifest: BackupManifest
    let identities: [AgeIdentity]
    /// Where the streaming passes report their bytes; nil when nobody watches.
    var reporter: ProgressReporter?
    /// Set when the backup is read from the off-host store (`item.path` is then its object path).
    var store: Rclone?

    init(
        service: ServiceID, backup: String, identity: IdentityInput, catalog: BackupCatalog, settings: BackupSettings,
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
            ? try Self.identities(for: manifest, source: identity, settings: settings, layout: layout) : []
    }

    /// A backup in the off-host store: its manifest was read from there; its bytes are streamed
    /// with `rclone cat` by each pass, never copied to the disk first.
    init(
        stored manifest: BackupManifest, name: BackupName, object: String, store: Rclone, identity: IdentityInput,
        settings: BackupSettings, layout: StateLayout
    ) throws(BackupFailure) {
        item = BackupCatalog.Item(name: name, path: object, manifest: manifest, fileExists: true, size: manifest.size)
        self.manifest = manifest
        self.store = store
        identities = name.encrypted
            ? try Self.identities(for: manifest, source: identity, settings: settings, layout: layout) : []
    }

    private static func identities(
        for manifest: BackupManifest, source: IdentityInput, settings: BackupSettings, layout: StateLayout
    ) throws(BackupFailure) -> [AgeIdentity] {
        if manifest.encryption == BackupSettings.Encryption.passphrase.rawValue {
            // The same file and the same rule as sealing (`BackupKeys`), so what sealed it opens it.
            do {
                return [.passphrase(try PassphraseFile.read(BackupPassphrase.path(settings, layout: layout)))]
            } catch {
                throw BackupFailure("this backup is passphrase-encrypted: \(error)")
            }
        }
        switch source {
        case .key(let key):
            do {
                return try AgeX25519Identity.parseIdentityFile(key.revealed).map { .x25519($0) }
            } catch {
                // Not even the parser's detail: it may quote a character of the key.
                throw BackupFailure(
                    "the identity sent with the request is not an age identity file (AGE-SECRET-KEY-1… lines)")
            }
        case .path(let path):
            return try identities(inDaemonFile: path, isDefault: false)
        case .daemonDefault:
            return try identities(inDaemonFile: "\(layout.secretsDir)/backup.agekey", isDefault: true)
        }
    }

    /// The identities in a file the daemon opens itself, as its own user.
    private static func identities(inDaemonFile file: String, isDefault: Bool) throws(BackupFailure) -> [AgeIdentity] {
        let fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else {
            let code = errno
            let reason = String(cString: strerror(code))
            throw BackupFailure(
                isDefault && code == ENOENT
                    ? "no identity to decrypt with: \(file) does not exist (this host does not keep the backup key). "
                        + "Give the key with `aegisctl restore|verify … --identity FILE`: aegisctl reads FILE with your "
                        + "permissions and sends the key to the daemon for this one operation"
                    : "the daemon cannot read the identity file \(file) as its own user: \(reason); use "
                        + "`aegisctl … --identity FILE`, which reads the file with your permissions")
        }
        defer { close(fd) }
        let text: String
        do { text = try AgeIdentityFile.read(fd, name: file) } catch { throw BackupFailure(error.message) }
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
        if let store {
            try await Self.fromStore(store, object: item.path) { input in
                try BackupReader.authenticate(
                    descriptor: input, name: item.path, encrypted: item.name.encrypted, identities: identities,
                    expectedSHA256: manifest.sha256, progress: progress)
            }
            return
        }
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
        if let store {
            try await Self.fromStore(store, object: item.path) { input in
                defer { close(fd) }
                try BackupReader.read(
                    descriptor: input, name: item.path, encrypted: item.name.encrypted, identities: identities,
                    expectedSHA256: manifest.sha256, into: DescriptorSink(fd: fd, what: what), progress: progress)
            }
            return
        }
        _ = try await runBlocking {
            defer { close(fd) }
            try BackupReader.read(
                path: item.path, encrypted: item.name.encrypted, identities: identities,
                expectedSHA256: manifest.sha256, into: DescriptorSink(fd: fd, what: what), progress: progress)
        }
    }

    /// Runs `body` on the read end of a pipe that `rclone cat` fills with the object. The
    /// reader's error comes first (a hash mismatch, a wrong key); rclone's is added to it.
    private static func fromStore(
        _ store: Rclone, object: String, _ body: @escaping @Sendable (Int32) throws -> Void
    ) async throws {
        let pipe = try ChildProcess.makePipe()
        async let reading: Void = runBlocking { try body(pipe.read) }
        var fetchError: SystemError?
        do { try await store.stream(object, into: pipe.write) } catch { fetchError = error }
        do {
            try await reading
        } catch {
            guard let fetchError else { throw error }
            throw SystemError("\(error) (reading it from the store failed: \(fetchError))")
        }
        if let fetchError { throw fetchError }
    }
}
