/// Whether a backup may be written: its size is estimated from the service's last backup, and
/// a backup that would leave the filesystem under `backup.min_free_percent` free is refused,
/// so that a backup never fills the disk the databases live on.
public enum DiskSpaceGuard {
    /// Nil when the backup may run; otherwise the refusal, naming the figures and what to do.
    /// - Parameters:
    ///   - filesystem: the filesystem of the backup directory now.
    ///   - estimateBytes: the size of the service's last successful backup (0 when none).
    ///   - minFreePercent: `backup.min_free_percent`; 0 turns the guard off.
    public static func refusal(
        service: String, filesystem: FilesystemFigures, estimateBytes: Int64, minFreePercent: Int
    ) -> String? {
        guard minFreePercent > 0, filesystem.sizeBytes > 0 else { return nil }
        let after = filesystem.availableBytes - Double(estimateBytes)
        let percentAfter = after / filesystem.sizeBytes * 100
        guard percentAfter < Double(minFreePercent) else { return nil }
        return "backup of \(service) refused to protect free space: \(mebibytes(filesystem.availableBytes)) free on the "
            + "filesystem of \(filesystem.path) (\(percent(filesystem.freePercent)) of \(mebibytes(filesystem.sizeBytes))), "
            + "and a backup like the last one (\(mebibytes(Double(estimateBytes)))) would leave \(percent(max(0, percentAfter))), "
            + "under backup.min_free_percent = \(minFreePercent)%; free space there, move backup.directory, or lower backup.min_free_percent"
    }

    static func mebibytes(_ bytes: Double) -> String { "\(Int((bytes / 1_048_576).rounded())) MiB" }

    static func percent(_ value: Double) -> String { "\((value * 10).rounded() / 10)%" }
}
