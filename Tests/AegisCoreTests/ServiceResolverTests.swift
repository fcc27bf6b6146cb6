import AegisCore
import Testing

/// Every scope's answer for a name inside it, outside it, and no name at all; the messages and
/// codes are the ones each command gave before there was one resolver.
@Suite struct ServiceResolverTests {
    typealias Scope = ServiceResolver.Scope

    @Test func aNameInScope_isItself_andNoName_isEveryCandidate() {
        let candidates: [ServiceID] = [.postgresBackend, .redis]
        for scope in [Scope.enabled, .postgres, .backups, .pitr] {
            #expect(ServiceResolver.resolve(.redis, in: scope, among: candidates) == .success([.redis]))
            #expect(ServiceResolver.resolve(nil, in: scope, among: candidates) == .success(candidates))
        }
    }

    static let refusals: [(Scope, ServiceID, [ServiceID]?, ControlError)] = [
        (.enabled, .loki, [.postgresAI, .redis],
         ControlError(code: .unknownService, message: "no enabled service named 'loki'; services: postgres-ai, redis")),
        (.postgres, .redis, [.postgresBackend, .postgresAI],
         ControlError(
            code: .unknownService,
            message: "no enabled PostgreSQL instance named 'redis'; instances: postgres-backend, postgres-ai")),
        (.backups, .loki, [.postgresAI, .redis],
         ControlError(code: .unknownService, message: "no backups for 'loki'; services with backups: postgres-ai, redis")),
        (.pitr, .postgresExecutor, [.postgresAI],
         ControlError(code: .badRequest, message: "postgres-executor has no point-in-time recovery; instances with it: postgres-ai")),
        (.pitr, .postgresAI, [],
         ControlError(
            code: .badRequest,
            message: "postgres-ai has no point-in-time recovery; no instance has it ([pitr] enabled = false)")),
    ]

    @Test("a name outside its scope is refused with the scope's code and the names it takes", arguments: refusals)
    func refusal(_ scope: Scope, _ service: ServiceID, _ candidates: [ServiceID]?, _ expected: ControlError) {
        #expect(ServiceResolver.resolve(service, in: scope, among: candidates) == .failure(expected))
    }

    /// A daemon without point-in-time recovery refuses even "every instance".
    @Test func withoutTheFeature_evenNoNameIsRefused() {
        #expect(ServiceResolver.resolve(nil, in: .pitr, among: nil) == .failure(ControlError(
            code: .badRequest, message: "this daemon has no point-in-time recovery; no instance has it ([pitr] enabled = false)")))
        #expect(ServiceResolver.resolve(nil, in: .pitr, among: []) == .success([]), "with it, no instance is an empty answer")
    }
}
