import AegisCore
import Foundation
import Glibc

/// The backups of every service as they are on disk: `<directory>/<service>/` holds the files
/// and their manifests. Reading never trusts a manifest alone; a backup is listed when its
/// file exists, and the manifest adds what is known about it.
public struct BackupCatalog: Sendable {
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    public func directory(of service: ServiceID) -> String { "\(directory)/\(service.rawValue)" }

    /// Whether a backup or a failed attempt already uses `name`'s stem: names have whole
    /// seconds, and a second backup within the same second must not meet the first's files.
    public func isTaken(_ name: BackupName) -> Bool {
        let folder = directory(of: name.service)
        return FileSystem.exists("\(folder)/\(name.manifestName)") || FileSystem.exists("\(folder)/\(name.fileName)")
    }

    /// One backup on disk.
    public struct Item: Sendable, Equatable {
        public var name: BackupName
        public var path: String
        /// nil when the manifest is missing or unreadable (an operator's copy, a crash).
        public var manifest: BackupManifest?
        /// Whether the backup file itself exists (a failed attempt has only a manifest).
        public var fileExists: Bool
        /// The file's size on disk.
        public var size: Int64

        public init(name: BackupName, path: String, manifest: BackupManifest?, fileExists: Bool, size: Int64) {
            self.name = name
            self.path = path
            self.manifest = manifest
            self.fileExists = fileExists
            self.size = size
        }
    }

    /// The backups of `service`, oldest first, with failed attempts (manifest only) included.
    public func items(of service: ServiceID) -> [Item] {
        let folder = directory(of: service)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
        var byStem: [String: Item] = [:]
        for fileName in names {
            if let name = BackupName(fileName: fileName, service: service) {
                let path = "\(folder)/\(fileName)"
                var info = stat()
                let size = stat(path, &info) == 0 ? Int64(info.st_size) : 0
                byStem[name.stem] = Item(
                    name: name, path: path, manifest: readManifest(of: name), fileExists: true, size: size)
            }
        }
        // Failed attempts: a manifest whose file never came to be.
        for fileName in names where fileName.hasSuffix(".manifest.json") {
            let stem = String(fileName.dropLast(".manifest.json".count))
            guard byStem[stem] == nil, let manifest = try? decodeManifest(at: "\(folder)/\(fileName)"),
                  manifest.service == service,
                  let name = BackupName(fileName: manifest.file, service: service)
            else { continue }
            byStem[stem] = Item(name: name, path: "\(folder)/\(manifest.file)", manifest: manifest, fileExists: false, size: 0)
        }
        return byStem.values.sorted { $0.name < $1.name }
    }

    /// Temporary files a crash left behind (`.name.partial`).
    public func leftovers(of service: ServiceID) -> [String] {
        let folder = directory(of: service)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasPrefix(".") && $0.hasSuffix(".partial") }.sorted().map { "\(folder)/\($0)" }
    }

    public func manifestPath(of name: BackupName) -> String {
        "\(directory(of: name.service))/\(name.manifestName)"
    }

    public func readManifest(of name: BackupName) -> BackupManifest? {
        try? decodeManifest(at: manifestPath(of: name))
    }

    /// Writes (or replaces) the manifest of `name`, atomically.
    public func writeManifest(_ manifest: BackupManifest, of name: BackupName) throws(SystemError) {
        try FileSystem.writeAtomically(manifestPath(of: name), contents: try Self.encode(manifest), mode: 0o600)
    }

    /// A manifest as it is stored, here and in the off-host store.
    public static func encode(_ manifest: BackupManifest) throws(SystemError) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data: Data
        do { data = try encoder.encode(manifest) } catch { throw SystemError("cannot encode the manifest: \(error)") }
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// Removes a backup and its manifest.
    public func remove(_ name: BackupName) {
        unlink("\(directory(of: name.service))/\(name.fileName)")
        unlink(manifestPath(of: name))
        FileSystem.syncDirectory(of: manifestPath(of: name))
    }

    private func decodeManifest(at path: String) throws -> BackupManifest {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return try JSONDecoder().decode(BackupManifest.self, from: data)
    }
}
