/// `[offsite]`: a copy of every complete backup in object storage (or any rclone remote), so
/// that losing the host does not lose the backups with it. Off while `remote` is empty.
public struct OffsiteSettings: Sendable, Equatable {
    /// An rclone remote path, `NAME:bucket/prefix` (`remote`); empty turns copies off.
    public var remote: String = ""
    /// rclone's configuration file holding the remote's credentials (`rclone_config`): mode
    /// 0600, never printed by aegisd.
    public var rcloneConfig: String = ""
    /// Off-host copies older than this many days are removed (`retention_days`), separately
    /// from the local `backup.retention_days`.
    public var retentionDays: Int = 30
    /// …but never fewer than this many complete copies per service are kept.
    public var keepAtLeast: Int = 3
    /// rclone's `--bwlimit` (e.g. `10M` for 10 MiB/s); empty means no limit.
    public var bandwidthLimit: String = ""
    /// One rclone command (an upload, a listing) that runs longer is killed and retried later.
    public var uploadTimeoutS: Int = 3600
    /// The delay before the first retry of a failed upload (`retry_initial_s`); it doubles on
    /// each failure of the same backup…
    public var retryInitialS: Int = 5
    /// …up to this (`retry_max_s`): how long a store that is back waits at most for the next try.
    public var retryMaxS: Int = 900
    /// On a verifier host, which holds the backup key: when to drill the newest off-host backup
    /// of each service and write the result beside it in the store (`verify_schedule`). Empty,
    /// the default: never (a production host should not hold the key).
    public var verifySchedule: String = ""

    public init() {}

    /// Whether copies are made at all.
    public var enabled: Bool { !remote.isEmpty }

    /// The object path of `name` in the store: the local file name under the remote path.
    public func objectPath(_ name: String) -> String {
        remote.hasSuffix(":") || remote.hasSuffix("/") ? remote + name : remote + "/" + name
    }
}
