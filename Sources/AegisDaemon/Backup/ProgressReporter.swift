import AegisCore
import AegisSystem
import Synchronization

/// The phase and byte counters of one running operation, shared between the code doing the
/// work (which starts phases) and status requests (which read them).
final class ProgressReporter: Sendable {
    let service: ServiceID
    let operation: String
    private let current = Mutex<(phase: String, progress: TransferProgress)>(("starting", TransferProgress()))

    init(service: ServiceID, operation: String) {
        self.service = service
        self.operation = operation
    }

    /// Starts a phase with fresh counters and returns them for the streaming code.
    func begin(_ phase: String) -> TransferProgress {
        let progress = TransferProgress()
        current.withLock { $0 = (phase, progress) }
        return progress
    }

    var status: OperationStatus {
        let (phase, progress) = current.withLock { $0 }
        return OperationStatus(
            service: service.rawValue, operation: operation, phase: phase,
            plainBytes: progress.plainBytes.load(ordering: .relaxed),
            storedBytes: progress.storedBytes.load(ordering: .relaxed),
            elapsedSeconds: Double((ContinuousClock.now - progress.started).components.seconds))
    }
}
