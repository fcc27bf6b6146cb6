import AegisCore
import AegisSystem

/// `aegisctl backups prune --dry-run [--remote]`: what retention would do now, by the same
/// rules (`BackupRetention.plan`) that run after each backup and each upload. Removes nothing.
extension BackupCoordinator {
    /// The local backups of `service`, oldest first, each with its verdict.
    func prunePlan(_ service: ServiceID, now: UTCTimestamp = .now) -> [BackupReport] {
        let items = catalog.items(of: service)
        let byName = Dictionary(items.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let entries = items.map {
            BackupRetention.Entry(name: $0.name, status: $0.manifest?.status, verifiedAt: $0.manifest?.verifiedAt)
        }
        return BackupRetention(config.backup).plan(entries, now: now).compactMap { verdict in
            guard let item = byName[verdict.entry.name] else { return nil }
            var report = BackupReports.report(item)
            report.retention = verdict.remove ? "remove" : "keep"
            report.retentionReason = verdict.reason
            return report
        }
    }

    /// The off-host copies of `service` that retention considers (complete pairs this remote's
    /// aegisd wrote; nothing else in the store is ever removed), each with its verdict.
    func remotePrunePlan(_ service: ServiceID, now: UTCTimestamp = .now) async throws(BackupFailure) -> [BackupReport] {
        let (rclone, settings) = try store()
        let retention = OffsiteRetention(settings: settings, rclone: rclone, logger: logger)
        let pairs: [(name: BackupName, manifest: BackupManifest)]
        do { pairs = try await retention.pairs(service) } catch { throw BackupFailure("cannot list \(settings.remote): \(error.message)") }
        let manifests = Dictionary(pairs.map { ($0.name, $0.manifest) }, uniquingKeysWith: { first, _ in first })
        let entries = pairs.map { BackupRetention.Entry(name: $0.name, status: .complete, verifiedAt: $0.manifest.verifiedAt) }
        return BackupRetention(retentionDays: settings.retentionDays, keepAtLeast: settings.keepAtLeast)
            .plan(entries, now: now).compactMap { verdict in
                guard let manifest = manifests[verdict.entry.name] else { return nil }
                var report = BackupReports.remoteReport(manifest, remote: settings)
                report.retention = verdict.remove ? "remove" : "keep"
                report.retentionReason = verdict.reason
                return report
            }
    }
}
