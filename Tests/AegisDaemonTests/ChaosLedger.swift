import AegisCore
import Foundation

/// What the load clients saw acknowledged, shared by their threads: per writer the sequence
/// numbers whose commit (PostgreSQL) or reply (Redis) came back, with when, and per service the
/// longest stretch with no acknowledged write at all (what a client saw as unavailability).
final class ChaosLedger: @unchecked Sendable {
    struct Writer: Hashable, Comparable {
        let service: ServiceID
        let number: Int
        static func < (a: Writer, b: Writer) -> Bool {
            (a.service.rawValue, a.number) < (b.service.rawValue, b.number)
        }
    }

    private let lock = NSLock()
    private var acknowledged: [Writer: [(seq: Int, at: ContinuousClock.Instant)]] = [:]
    private var lastSuccess: [ServiceID: ContinuousClock.Instant] = [:]
    private var longestGap: [ServiceID: Duration] = [:]
    private var errors: [ServiceID: Int] = [:]

    func recordAcknowledged(_ writer: Writer, seq: Int) {
        let now = ContinuousClock.now
        lock.withLock {
            acknowledged[writer, default: []].append((seq, now))
            if let last = lastSuccess[writer.service] {
                longestGap[writer.service] = max(longestGap[writer.service] ?? .zero, now - last)
            }
            lastSuccess[writer.service] = now
        }
    }

    func recordError(_ service: ServiceID) {
        lock.withLock { errors[service, default: 0] += 1 }
    }

    func acknowledgements(of writer: Writer) -> [(seq: Int, at: ContinuousClock.Instant)] {
        lock.withLock { acknowledged[writer] ?? [] }
    }

    var writers: [Writer] { lock.withLock { acknowledged.keys.sorted() } }

    func count(of service: ServiceID) -> Int {
        lock.withLock { acknowledged.filter { $0.key.service == service }.values.reduce(0) { $0 + $1.count } }
    }

    func longestUnavailability(of service: ServiceID) -> Duration {
        lock.withLock { longestGap[service] ?? .zero }
    }

    func errorCount(of service: ServiceID) -> Int { lock.withLock { errors[service] ?? 0 } }
}
