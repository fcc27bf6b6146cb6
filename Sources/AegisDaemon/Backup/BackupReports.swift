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

    /// A backup in the off-host store: `path` is its object path there.
    static func remoteReport(_ manifest: BackupManifest, remote: OffsiteSettings) -> BackupReport {
        var report = report(manifest, directory: "")
        report.path = remote.objectPath(manifest.file)
        report.offsite = manifest.offsite
        return report
    }

    /// - Parameters:
    ///   - remote: `[offsite] remote` when off-host copies are on, for `offsite_pending`.
    ///   - uploadErrors: why the last upload of each pending backup failed, by file name.
    static func report(_ item: BackupCatalog.Item, remote: String? = nil, uploadErrors: [String: String] = [:]) -> BackupReport {
        let manifest = item.manifest
        var report = BackupReport(
            service: item.name.service.rawValue, name: item.name.fileName, path: item.path,
            createdAt: item.name.createdAt, size: item.size,
            status: manifest?.status.rawValue ?? "unknown", verifiedAt: manifest?.verifiedAt, error: manifest?.error,
            plainSize: manifest?.plainSize,
            durationSeconds: manifest.map { $0.finishedAt.secondsSinceEpoch - $0.startedAt.secondsSinceEpoch },
            encryption: manifest?.encryption)
        report.offsite = manifest?.offsite
        if let remote, item.fileExists, manifest?.status == .complete {
            report.offsitePending = manifest?.offsite?.remote != remote
            if report.offsitePending == true { report.offsiteError = uploadErrors[item.name.fileName] }
        }
        return report
    }
}
