import AegisCore
import AegisSystem
import Dispatch
import Foundation
import Synchronization

/// `--follow`: while a long request runs on its own connection, asks for status once a second
/// on another and prints each running operation's progress to stderr (bytes, rate and
/// compression ratio), so the result on stdout stays clean for scripts.
enum ProgressFollower {
    static func run<T: Sendable>(global: GlobalOptions, service: String?, _ body: @escaping @Sendable () throws -> T) throws -> T {
        let outcome = Mutex<Result<T, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Thread {
            let result = Result { try body() }
            outcome.withLock { $0 = result }
            done.signal()
        }.start()
        let socket = try global.socketPath()
        var printed = false
        while done.wait(timeout: .now() + 1) == .timedOut {
            guard let reply = try? ControlClient.send(ControlRequest.status, socketPath: socket, timeout: .seconds(5)),
                  let activity = reply.status?.activity
            else { continue }
            for operation in activity where service == nil || operation.service == service {
                printError(line(operation))
                printed = true
            }
        }
        if printed { printError("") }
        return try outcome.withLock { $0! }.get()
    }

    /// `postgres-backend backup, dumping: 512.0 MiB → 98.1 MiB (5.2×), 85.3 MiB/s, 6s`
    static func line(_ operation: OperationStatus) -> String {
        let rate = operation.elapsedSeconds > 0 ? Double(operation.plainBytes) / operation.elapsedSeconds : 0
        let ratio = operation.storedBytes > 0 ? Double(operation.plainBytes) / Double(operation.storedBytes) : 0
        let (from, to) = operation.operation == "backup"
            ? (operation.plainBytes, operation.storedBytes) : (operation.storedBytes, operation.plainBytes)
        return "\(operation.service) \(operation.operation), \(operation.phase): \(ByteCount.text(from)) → \(ByteCount.text(to))"
            + (ratio > 0 ? String(format: " (%.1f×)", ratio) : "")
            + ", \(ByteCount.text(Int64(rate)))/s, \(Int(operation.elapsedSeconds))s"
    }
}
