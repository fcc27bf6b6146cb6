import Synchronization

/// A value one task writes and other threads read (the last metrics collection, the metrics
/// URL for status), behind a lock so that no reader waits for an actor.
final class Shared<Value: Sendable>: Sendable {
    private let lock: Mutex<Value>

    init(_ value: Value) {
        lock = Mutex(value)
    }

    var value: Value {
        get { lock.withLock { $0 } }
        set { lock.withLock { $0 = newValue } }
    }
}
