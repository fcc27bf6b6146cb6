import AegisCore
import Synchronization

/// The supervisor's changes as `AsyncStream`s, one per subscriber: every `ServiceChange` the
/// state machines announce, in order. Behind a lock of its own, so that a subscriber that stops
/// iterating unsubscribes from its stream's termination handler without a hop to the actor.
///
/// A stream keeps the newest 1,024 changes: a consumer that falls that far behind loses the
/// oldest ones instead of making supervision wait or memory grow.
final class ChangeBroadcast: Sendable {
    static let buffered = 1024
    private let subscribers = Mutex<(next: Int, streams: [Int: AsyncStream<ServiceChange>.Continuation], finished: Bool)>(
        (0, [:], false))

    /// A stream of the changes announced from now on; it ends at `finish()` (at once when that
    /// was before).
    func subscribe() -> AsyncStream<ServiceChange> {
        let (stream, continuation) = AsyncStream.makeStream(of: ServiceChange.self, bufferingPolicy: .bufferingNewest(Self.buffered))
        let key: Int? = subscribers.withLock { state in
            guard !state.finished else { return nil }
            defer { state.next += 1 }
            state.streams[state.next] = continuation
            return state.next
        }
        guard let key else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.streams.removeValue(forKey: key) }
        }
        return stream
    }

    func publish(_ change: ServiceChange) {
        for continuation in subscribers.withLock({ Array($0.streams.values) }) { continuation.yield(change) }
    }

    /// Ends every stream: the supervisor has stopped everything.
    func finish() {
        let streams = subscribers.withLock { state in
            state.finished = true
            return Array(state.streams.values)
        }
        for continuation in streams { continuation.finish() }
    }

    var subscriberCount: Int { subscribers.withLock { $0.streams.count } }
}
