import AegisCore
import Synchronization

/// The services `aegisctl promote` made primaries while this aegisd runs. Their drivers read it
/// at every launch, so that a crash after a promotion restarts them as primaries (no
/// `standby.signal`, no `replicaof`) before the configuration's rewrite is read at the next
/// start of aegisd. Shared by reference.
public final class Promotions: Sendable {
    private let services = Mutex<Set<ServiceID>>([])

    public init() {}

    func contains(_ service: ServiceID) -> Bool { services.withLock { $0.contains(service) } }
    /// Whether no service was promoted since aegisd started.
    var isEmpty: Bool { services.withLock { $0.isEmpty } }
    func insert(_ service: ServiceID) { _ = services.withLock { $0.insert(service) } }
    func remove(_ service: ServiceID) { _ = services.withLock { $0.remove(service) } }
}
