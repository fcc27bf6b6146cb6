import AegisCore
import Foundation
import Glibc

/// `aegisd config init`: writes a complete configuration for a state root. It
/// creates the root directory and the file, nothing else: the daemon builds the
/// state tree itself on its first start.
public enum ConfigInitializer {
    /// The file name `config init` writes inside the root.
    public static let fileName = "aegisd.toml"

    /// Why `config init` wrote nothing.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public enum Kind: Sendable, Equatable {
            /// The file exists and `force` was not given (a usage error, exit 2).
            case alreadyExists
            /// The arguments do not make a valid configuration (exit 2).
            case invalid
            /// The file system refused (exit 1).
            case io
        }

        public var kind: Kind
        public var message: String

        public var description: String { message }
    }

    /// Writes `root/aegisd.toml` (mode 0640, atomically) and returns its path.
    /// - Parameters:
    ///   - root: the state root; relative paths are resolved against the working directory.
    ///   - force: replace an existing file instead of refusing.
    ///   - standbyOf: a bundle from `aegisctl replication bundle` on the primary: the file is a
    ///     standby's, and the bundle's credentials go to `<root>/secrets/replication` (0600).
    public static func write(
        root: String, portBase: Int? = nil, user: String = "aegis", force: Bool = false, standbyOf: String? = nil
    ) throws(Failure) -> String {
        let root = absolutePath(root)
        var config: AegisConfig
        var bundle: ReplicationBundle?
        do {
            if let standbyOf {
                let read = try readBundle(standbyOf)
                bundle = read
                config = try AegisConfig.forStandbyInit(
                    root: root, portBase: portBase, user: user, bundle: read,
                    slotName: AegisConfig.standbySlotName(hostName: HostName.current() ?? "host"))
            } else {
                config = try AegisConfig.forInit(root: root, portBase: portBase, user: user)
            }
        } catch {
            throw Failure(kind: .invalid, message: error.issues.map(\.description).joined(separator: "\n"))
        }
        let path = "\(config.daemon.stateDir == "/" ? "" : config.daemon.stateDir)/\(fileName)"
        if !force && ConfigFileIO.exists(path) {
            throw Failure(kind: .alreadyExists, message: "\(path) already exists; use --force to overwrite it")
        }
        do {
            try ConfigFileIO.createDirectories(config.daemon.stateDir)
            if let bundle { try storeCredentials(bundle, in: ReplicationCredentials(config: config), secretsDir: config.layout.secretsDir) }
            let identity = try backupIdentity(at: backupIdentityPath(config.layout))
            config.backup.recipients = [identity.recipient.encoded]
            try FileSystem.writeAtomically(path, contents: ConfigRenderer.render(config), mode: 0o640)
        } catch {
            // Every call above throws SystemError only.
            throw Failure(kind: .io, message: error.message)
        }
        return path
    }

    /// The bundle at `path`, checked; a problem is an invalid argument (exit 2).
    private static func readBundle(_ path: String) throws(ConfigError) -> ReplicationBundle {
        do {
            guard let text = try FileSystem.read(path) else {
                throw ConfigError(file: path, issues: [ConfigIssue(path: "--standby-of", reason: "\(path) does not exist")])
            }
            return try ReplicationBundle.decode(text)
        } catch let error as ConfigError {
            throw error
        } catch let error as ReplicationBundleError {
            throw ConfigError(file: path, issues: [ConfigIssue(path: "--standby-of", reason: "\(path): \(error.message)")])
        } catch {
            throw ConfigError(file: path, issues: [ConfigIssue(path: "--standby-of", reason: "\(path): \(error)")])
        }
    }

    /// The bundle's secrets, each in a file of its own (0600) in a 0700 directory: the
    /// configuration names none of them. The apps' passwords go to `secretsDir` under their
    /// default names, where this host's servers take them from.
    public static func storeCredentials(
        _ bundle: ReplicationBundle, in credentials: ReplicationCredentials, secretsDir: String
    ) throws(SystemError) {
        try FileSystem.makeDirectory(secretsDir, mode: 0o700)
        try FileSystem.makeDirectory(credentials.directory, mode: 0o700)
        for (name, secret) in bundle.appSecrets ?? [:] where ReplicationBundle.appSecretNames.contains(name) {
            try FileSystem.writeAtomically("\(secretsDir)/\(name)", contents: secret.revealed + "\n", mode: 0o600)
        }
        var files = [
            (credentials.caCertificate, bundle.caCertificate), (credentials.clientCertificate, bundle.clientCertificate),
            (credentials.clientKey, bundle.clientKey.revealed), (credentials.postgresPassword, bundle.postgresPassword.revealed + "\n"),
        ]
        if let redis = bundle.redisPassword { files.append((credentials.redisPassword, redis.revealed + "\n")) }
        // All staged (written and fsynced) before any is renamed into place: a set replaced
        // while older ones are in use (a refresh) never leaves a new certificate with an old key
        // for longer than the renames take.
        var staged: [(temporary: String, path: String)] = []
        do {
            for (path, contents) in files { staged.append((try FileSystem.stage(path, contents: contents, mode: 0o600), path)) }
        } catch {
            for file in staged { unlink(file.temporary) }
            throw error
        }
        for (index, file) in staged.enumerated() {
            do {
                try FileSystem.commit(file.temporary, to: file.path)
            } catch {
                for rest in staged[(index + 1)...] { unlink(rest.temporary) }
                throw error
            }
        }
        FileSystem.syncDirectory(of: credentials.caCertificate)
    }

    /// Where `config init` puts the backup identity: the operator is told to move it away.
    public static func backupIdentityPath(_ layout: StateLayout) -> String { "\(layout.secretsDir)/backup.agekey" }

    /// The identity in `path`, or a new one written there in `age-keygen`'s format (mode 0600).
    /// An existing key is never replaced: backups already made may need it.
    static func backupIdentity(at path: String) throws(SystemError) -> AgeX25519Identity {
        if let text = try FileSystem.read(path) {
            do {
                guard let identity = try AgeX25519Identity.parseIdentityFile(text).first else {
                    throw SystemError("\(path) holds no age identity; move it away to have a new one generated")
                }
                return identity
            } catch let error as SystemError {
                throw error
            } catch {
                throw SystemError("\(path): \(error)")
            }
        }
        let identity: AgeX25519Identity
        do { identity = try AgeX25519Identity.generate() } catch { throw SystemError("cannot generate a backup key: \(error)") }
        try FileSystem.makeDirectory((path as NSString).deletingLastPathComponent, mode: 0o700)
        try FileSystem.writeAtomically(
            path,
            contents: """
                # created: \(UTCTimestamp.now) by aegisd config init
                # public key: \(identity.recipient.encoded)
                # Decrypts this host's backups. Move it OFF this host (the host needs only the public key).
                \(identity.encoded)

                """,
            mode: 0o600)
        return identity
    }

    /// `path` made absolute against the working directory, with `.`, `..` and repeated slashes
    /// resolved lexically (the directory may not exist yet, so `realpath` cannot be used).
    public static func absolutePath(_ path: String, workingDirectory: String? = nil) -> String {
        let base = path.hasPrefix("/") ? "" : (workingDirectory ?? currentDirectory())
        var components: [Substring] = []
        for component in "\(base)/\(path)".split(separator: "/") where component != "." {
            if component == ".." { _ = components.popLast() } else { components.append(component) }
        }
        return "/" + components.joined(separator: "/")
    }

    private static func currentDirectory() -> String {
        guard let buffer = getcwd(nil, 0) else { return "/" }
        defer { free(buffer) }
        return String(cString: buffer)
    }
}
