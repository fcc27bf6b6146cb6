import AegisCore
import AegisSystem

/// Manifests and catalog items as the control protocol shows them.
enum BackupReports {
    static func report(_ manifest: BackupManifest, directory: String) -> BackupReport {
        let created = BackupName(fileName: manifest.file, service: manifest.service)?.createdAt ?? manifest.startedAt
        return BackupReport(
            service: manifest.service.rawValue, name: manifest.file, path: "\(directory)/\(manifest.file)",
            createdAt: created, size: manifest.size, status: manifest.status.rawValue,
            verifiedAt: manifest.verifiedAt, error: manifest.error, plainSize: manifest.plainSize,
            durationSeconds: manifest.finishedAt.secondsSinceEpoch - manifest.startedAt.secondsSinceEpoch,
            encryption: manifest.encryption)
    }

    static func report(_ item: BackupCatalog.Item) -> BackupReport {
        let manifest = item.manifest
        return BackupReport(
            service: item.name.service.rawValue, name: item.name.fileName, path: item.path,
            createdAt: item.name.createdAt, size: item.size,
            status: manifest?.status.rawValue ?? "unknown", verifiedAt: manifest?.verifiedAt, error: manifest?.error,
            plainSize: manifest?.plainSize,
            durationSeconds: manifest.map { $0.finishedAt.secondsSinceEpoch - $0.startedAt.secondsSinceEpoch },
            encryption: manifest?.encryption)
    }
}
