/// The backups of one service found in the store, from object names alone: a backup file and
/// its manifest make a pair. The manifest is uploaded last, so a pair means a complete upload;
/// a file without its manifest is an upload still running or interrupted, never listed as a
/// backup nor removed by retention (the next upload of it replaces it).
public enum OffsitePairs {
    /// The names of `service`'s backups with both objects present, oldest first.
    public static func complete(_ objectNames: [String], service: ServiceID) -> [BackupName] {
        let present = Set(objectNames)
        return objectNames.compactMap { BackupName(fileName: $0, service: service) }
            .filter { present.contains($0.manifestName) }
            .sorted()
    }

    /// Objects that look like this service's backup files but have no manifest beside them.
    public static func unfinished(_ objectNames: [String], service: ServiceID) -> [BackupName] {
        let present = Set(objectNames)
        return objectNames.compactMap { BackupName(fileName: $0, service: service) }
            .filter { !present.contains($0.manifestName) }
            .sorted()
    }
}
