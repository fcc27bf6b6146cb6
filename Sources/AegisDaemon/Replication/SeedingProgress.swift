import AegisCore
import Synchronization

/// What each standby instance's first copy from the primary is doing, as pg_basebackup last
/// said it: written by the driver while the copy runs, read by the status. Shared by reference.
public final class SeedingProgress: Sendable {
    private let lines = Mutex<[ServiceID: String]>([:])

    public init() {}

    func set(_ service: ServiceID, _ text: String?) { lines.withLock { $0[service] = text } }

    func of(_ service: ServiceID) -> String? { lines.withLock { $0[service] } }
}
