import Dispatch

/// Runs blocking work (libpq, poll, file reads that may stall) on a Dispatch thread rather than
/// on Swift's small cooperative pool, which must stay free for the supervisor's own tasks.
/// Inlinable so that each caller gets a copy specialized for its result type: the generic one
/// looks up type metadata at run time at every call, a few times a second at idle.
@inlinable
public func runBlocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            continuation.resume(with: Result { try body() })
        }
    }
}
