import Synchronization

/// Counts the tasks a component started and that have not finished, so that a test can check
/// that none outlives the component's shutdown. Counted up before a task is created and down
/// when its body ends, so a task that has not begun to run is counted too.
final class TaskTally: Sendable {
    private let live = Atomic<Int>(0)

    var count: Int { live.load(ordering: .acquiring) }

    func enter() { live.add(1, ordering: .relaxed) }
    func leave() { live.subtract(1, ordering: .releasing) }
}
