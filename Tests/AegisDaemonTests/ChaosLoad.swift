import AegisCore
import AegisSystem
import Foundation
import AegisTestSupport

/// The write load of a chaos run: threads of their own (blocking clients must not sit on
/// Swift's two cooperative threads), each one connection that writes numbered records, records
/// every acknowledged one in the ledger, and reconnects after any error.
final class ChaosLoad: @unchecked Sendable {
    private let ledger: ChaosLedger
    private let lock = NSLock()
    private var stopping = false
    private var running = 0

    init(ledger: ChaosLedger) { self.ledger = ledger }

    private var shouldStop: Bool { lock.withLock { stopping } }

    /// One PostgreSQL writer: each transaction inserts two rows (parts 1 and 2) of one sequence
    /// number, so a half-applied transaction would show as a lone part.
    func startPostgresWriter(_ writer: ChaosLedger.Writer, parameters: [String: String]) {
        startThread {
            var seq = 0
            var connection: PostgresConnection?
            while !self.shouldStop {
                do {
                    if connection == nil { connection = try PostgresConnection(parameters: parameters, timeout: .seconds(3)) }
                    seq += 1
                    try connection!.execute(
                        "BEGIN; INSERT INTO chaos_ledger VALUES (\(writer.number), \(seq), 1), (\(writer.number), \(seq), 2); COMMIT",
                        timeout: .seconds(5))
                    self.ledger.recordAcknowledged(writer, seq: seq)
                    Self.pace(.milliseconds(25))
                } catch {
                    connection = nil
                    self.ledger.recordError(writer.service)
                    Self.pace(.milliseconds(50))
                }
            }
        }
    }

    /// One Redis writer: `RPUSH chaos:wN seq`, acknowledged when Redis answers with the length.
    func startRedisWriter(_ writer: ChaosLedger.Writer, socket: String, user: String, password: String) {
        startThread {
            var seq = 0
            var client: RedisClient?
            while !self.shouldStop {
                do {
                    if client == nil {
                        let made = try RedisClient(unixPath: socket, timeout: .seconds(3))
                        try made.authenticate(user: user, password: password)
                        client = made
                    }
                    seq += 1
                    client!.resetDeadline(after: .seconds(5))
                    guard case .integer = try client!.command(["RPUSH", "chaos:w\(writer.number)", "\(seq)"]) else {
                        throw SystemError("RPUSH was not answered with a length")
                    }
                    self.ledger.recordAcknowledged(writer, seq: seq)
                    Self.pace(.milliseconds(25))
                } catch {
                    client = nil
                    self.ledger.recordError(writer.service)
                    Self.pace(.milliseconds(50))
                }
            }
        }
    }

    /// Stops every writer and waits for their threads to finish their current write.
    func stop() async throws {
        lock.withLock { stopping = true }
        try await Poll.until("the load's writers to stop", timeout: .seconds(30), every: .milliseconds(50)) {
            lock.withLock { running == 0 }
        }
    }

    private func startThread(_ body: @escaping @Sendable () -> Void) {
        lock.withLock { running += 1 }
        let thread = Thread {
            body()
            self.lock.withLock { self.running -= 1 }
        }
        thread.start()
    }

    /// The load's rate limit (a client's think time), not a wait for an event.
    private static func pace(_ duration: Duration) {
        Thread.sleep(forTimeInterval: Double(duration.components.attoseconds) / 1e18 + Double(duration.components.seconds))
    }
}
