import AegisCore
import Synchronization

extension ChildProcess {
    /// Runs a one-shot command like `output(of:)`, but never longer than `deadline`: past it the
    /// command's whole process group is SIGKILLed (it leads its own group) and this throws. For
    /// tools that can hang on something outside aegisd (pgBackRest waiting on a repository).
    /// Cancelling the calling task kills the command the same way: nothing outlives its caller.
    public static func output(
        of spec: LaunchSpec, deadline: Duration
    ) async throws(SystemError) -> (status: ExitStatus, lines: [String]) {
        let seen = CommandOutput()
        let result: Result<ExitStatus, SystemError>? = await withTaskGroup(of: Result<ExitStatus, SystemError>?.self) { group in
            group.addTask {
                do throws(SystemError) {
                    return .success(try await run(
                        spec, onLines: { _, batch in seen.lines.withLock { $0 += batch } },
                        onSpawn: { spawned in seen.pid.withLock { $0 = spawned } }))
                } catch {
                    return .failure(error)
                }
            }
            group.addTask {
                try? await Task.sleep(for: deadline)
                return nil
            }
            let first = await group.next() ?? nil
            if first == nil, let group = seen.pid.withLock({ $0 }) {
                // The sleep ended first: kill the command so that its task returns.
                _ = await ProcessTable.killGroupAndWait(group, timeout: .seconds(10))
            }
            group.cancelAll()
            // The other task: the command's exit after the kill, or the cancelled sleep.
            _ = await group.next()
            return first
        }
        switch result {
        case .success(let status)?: return (status, seen.lines.withLock { $0 })
        case .failure(let error)?: throw error
        case nil where Task.isCancelled:
            throw SystemError("\(spec.executable) was stopped: the task that ran it was cancelled (aegisd is shutting down)")
        case nil:
            let tail = seen.lines.withLock { $0.suffix(3).joined(separator: " | ") }
            throw SystemError("\(spec.executable) did not finish within \(deadline) and was killed" + (tail.isEmpty ? "" : ": \(tail)"))
        }
    }
}

/// What a command with a deadline printed, and its pid once spawned.
private final class CommandOutput: Sendable {
    let lines = Mutex<[String]>([])
    let pid = Mutex<Int32?>(nil)
}
