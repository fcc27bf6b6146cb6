import AegisCore

/// What backups, restores and drills ask of the supervisor: whether a service is healthy, and,
/// for a Redis restore, stopping it and starting it again. `Supervisor` is the daemon's; tests
/// script their own.
protocol BackupSupervision: Sendable {
    func serviceStatus(_ id: ServiceID) async -> ServiceStatus?
    func stop(_ id: ServiceID) async
    func start(_ id: ServiceID) async
    /// Waits until `predicate` holds for every service in `ids`, or `timeout` passes.
    func waitUntil(_ ids: [ServiceID], timeout: Duration, _ predicate: @escaping @Sendable (ServiceStatus) -> Bool) async
}

extension Supervisor: BackupSupervision {}
