import AegisCore
import Glibc

/// `aegisd config init`: writes a complete configuration for a state root (DESIGN.md,
/// "Contracts"). It creates the root directory and the file, nothing else: the daemon builds the
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
    public static func write(root: String, portBase: Int? = nil, user: String = "aegis", force: Bool = false) throws(Failure) -> String {
        let root = absolutePath(root)
        let config: AegisConfig
        do {
            config = try AegisConfig.forInit(root: root, portBase: portBase, user: user)
        } catch {
            throw Failure(kind: .invalid, message: error.issues.map(\.description).joined(separator: "\n"))
        }
        let path = "\(config.daemon.stateDir == "/" ? "" : config.daemon.stateDir)/\(fileName)"
        if !force && ConfigFileIO.exists(path) {
            throw Failure(kind: .alreadyExists, message: "\(path) already exists; use --force to overwrite it")
        }
        do {
            try ConfigFileIO.createDirectories(config.daemon.stateDir)
            try ConfigFileIO.writeAtomically(path, contents: ConfigRenderer.render(config), mode: 0o640)
        } catch {
            throw Failure(kind: .io, message: error.message)
        }
        return path
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
