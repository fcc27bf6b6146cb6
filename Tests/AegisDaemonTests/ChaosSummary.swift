import AegisCore
import Foundation

/// A chaos run's figures as a markdown table: what docs/reliability.md quotes.
struct ChaosSummary {
    let seed: UInt64
    let seconds: Int
    let monkey: ChaosMonkey
    let ledger: ChaosLedger
    let postgres: [ServiceID: ChaosTests.PostgresResult]
    let redis: ChaosTests.RedisResult
    let postmasterSamples: Int

    var markdown: String {
        var lines = [
            "Chaos run: \(seconds) s, seed \(seed), \(monkey.totalInjected) faults, "
                + "\(monkey.restartChecks) restart-count checks, \(postmasterSamples) postmaster samples, "
                + "\(monkey.problems.count) problems",
            "",
            "| Fault | Injected | Longest recovery (s) |",
            "|---|---:|---:|",
        ]
        for kind in ChaosFault.Kind.allCases {
            lines.append("| \(kind.rawValue) | \(monkey.injected[kind] ?? 0) | \(Self.seconds(monkey.longestRecovery[kind])) |")
        }
        lines += [
            "",
            "| Service | Acknowledged and checked | Lost | Half-written | Client errors | Longest with no acknowledged write (s) |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for service in ChaosPlan.services {
            let errors = ledger.errorCount(of: service)
            let gap = Self.seconds(ledger.longestUnavailability(of: service))
            if let result = postgres[service] {
                lines.append("| \(service.rawValue) | \(result.checked) | \(result.lost.count) | \(result.halfWritten.count) | \(errors) | \(gap) |")
            } else {
                lines.append("| redis | \(redis.checked) | \(redis.lost.count) (+\(redis.withinEverysec) allowed by everysec) | - | \(errors) | \(gap) |")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func seconds(_ duration: Duration?) -> String {
        guard let duration else { return "-" }
        let value = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return String(format: "%.2f", value)
    }
}
