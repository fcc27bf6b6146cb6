import AegisCore
import AegisSystem
import Glibc
import Logging

/// Finds and stops what a previous aegisd left running when it was killed without a chance to
/// stop its children: such a process is no longer our child (we cannot `waitpid` it), so it is
/// walked down its stop plan while a pidfd tells when it exits. Never a second server on one
/// data directory; never a pid file of a live server deleted.
enum LeftoverProcess {
    /// The record aegisd keeps of each child it spawns: pid and start time, so that a reused
    /// pid is never mistaken for our child.
    static func recordPath(_ layout: StateLayout, _ service: ServiceID) -> String {
        "\(layout.runDir(of: service))/aegisd-child.pid"
    }

    static func record(pid: Int32, layout: StateLayout, service: ServiceID) {
        guard let entry = ProcessTable.entry(pid) else { return }
        try? FileSystem.writeAtomically(
            recordPath(layout, service), contents: "\(pid) \(entry.startTime)\n", mode: 0o644)
    }

    /// The pid of our previous child, if it is still the same process and alive.
    static func recordedChild(layout: StateLayout, service: ServiceID) -> Int32? {
        guard let text = try? FileSystem.read(recordPath(layout, service)) else { return nil }
        let parts = text.split(whereSeparator: \.isWhitespace)
        guard parts.count == 2, let pid = Int32(parts[0]), let start = UInt64(parts[1]),
            let entry = ProcessTable.entry(pid), entry.startTime == start, ProcessTable.isAlive(pid)
        else { return nil }
        return pid
    }

    /// Walks `pid` down `plan`, each step waiting for its exit, and then kills whatever is left
    /// of its process group. Returns false if it is still alive at the end.
    @discardableResult
    static func stop(pid: Int32, plan: StopPlan, what: String, logger: Logger) async -> Bool {
        logger.notice("stopping \(what) (pid \(pid)) left running by a previous aegisd")
        for step in plan.steps {
            ProcessTable.send(step.signal.rawValue, to: pid, group: step.toGroup)
            if await ProcessExitWait.untilExited([pid], timeout: step.wait) {
                _ = await ProcessTable.killGroupAndWait(pid, timeout: .seconds(2))
                return true
            }
        }
        logger.error("\(what) (pid \(pid)) did not exit after \(plan)")
        return false
    }

    /// Stops our recorded previous child of `service`, if one is alive.
    static func stopRecordedChild(context: DriverContext, service: ServiceID, plan: StopPlan) async throws(LaunchFailure) {
        guard let pid = recordedChild(layout: context.layout, service: service) else { return }
        guard await stop(pid: pid, plan: plan, what: service.rawValue, logger: context.logger) else {
            throw LaunchFailure("a previous \(service.rawValue) (pid \(pid)) does not exit; stop it by hand")
        }
    }
}
