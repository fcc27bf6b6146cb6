/// The one place a service named in a request is checked: every command that names a service
/// (or may, meaning all of them) resolves it here against the services its scope allows, and a
/// name outside them gets the same kind of answer whatever the command: a stable code and a
/// message that lists the names it takes.
public enum ServiceResolver {
    /// Which services a command acts on.
    public enum Scope: Sendable, Equatable {
        /// Every enabled service: start, stop, restart, stats, connect-info.
        case enabled
        /// The enabled PostgreSQL instances: migrate-status.
        case postgres
        /// The services with backups (enabled PostgreSQL instances and Redis): backup, backups,
        /// backups-prune, restore, verify.
        case backups
        /// The instances with point-in-time recovery: the pitr commands.
        case pitr
    }

    /// The services `service` means in `scope`: itself, or every candidate when it is nil.
    /// - Parameter candidates: the services the scope holds now; nil when this daemon has no
    ///   such feature at all (no point-in-time recovery), which refuses even "all of them".
    public static func resolve(
        _ service: ServiceID?, in scope: Scope, among candidates: [ServiceID]?
    ) -> Result<[ServiceID], ControlError> {
        guard let candidates else { return .failure(refusal(service, in: scope, among: [])) }
        guard let service else { return .success(candidates) }
        return candidates.contains(service) ? .success([service]) : .failure(refusal(service, in: scope, among: candidates))
    }

    private static func refusal(_ service: ServiceID?, in scope: Scope, among candidates: [ServiceID]) -> ControlError {
        let names = candidates.map(\.rawValue).joined(separator: ", ")
        let name = service?.rawValue ?? ""
        switch scope {
        case .enabled:
            return ControlError(code: .unknownService, message: "no enabled service named '\(name)'; services: \(names)")
        case .postgres:
            return ControlError(
                code: .unknownService, message: "no enabled PostgreSQL instance named '\(name)'; instances: \(names)")
        case .backups:
            return ControlError(code: .unknownService, message: "no backups for '\(name)'; services with backups: \(names)")
        case .pitr:
            // A bad request rather than an unknown service: the name is a real instance, the
            // feature is what it lacks.
            return ControlError(
                code: .badRequest,
                message: "\(service?.rawValue ?? "this daemon") has no point-in-time recovery; "
                    + (names.isEmpty ? "no instance has it ([pitr] enabled = false)" : "instances with it: \(names)"))
        }
    }
}
