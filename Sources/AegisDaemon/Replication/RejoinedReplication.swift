import AegisCore
import Synchronization

/// The `[replication]` section `aegisctl replication rejoin` switched this host to while aegisd
/// runs: the drivers' configuration (`DriverContext.config`) carries it from then on, so that
/// every later launch starts the instances and Redis as standbys of the new primary, before
/// the rewritten configuration file is read at the next start of aegisd. Shared by reference.
public final class RejoinedReplication: Sendable {
    private let settings = Mutex<ReplicationSettings?>(nil)

    public init() {}

    /// The section followed now, or nil when it is the configuration's own.
    public var current: ReplicationSettings? { settings.withLock { $0 } }

    func set(_ replication: ReplicationSettings) { settings.withLock { $0 = replication } }
}
