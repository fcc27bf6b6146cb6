import AegisCore
import ArgumentParser
import Foundation

extension Aegisctl {
    /// `aegisctl stats [SERVICE] [--json]`: the usual database statistics, asked of the daemon.
    struct Stats: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Database sizes, connections and busiest tables; Redis memory, keys and clients; Loki readiness.")

        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp("One service; every enabled service when left out.", valueName: "service"))
        var service: String?
        @Flag(name: .long, help: "Print the statistics as JSON.") var json = false

        func validate() throws {
            if let service, ServiceID(rawValue: service) == nil {
                throw ValidationError("unknown service \"\(service)\"; services: \(ServiceID.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }

        func run() throws {
            let reply = try DaemonExchange.send(
                ControlRequest.stats(service.map(ServiceID.init(validated:))), options: global, timeout: .seconds(60))
            let stats = reply.stats ?? []
            if json {
                print(try prettyJSON(stats))
                return
            }
            for entry in stats {
                print(Self.render(entry), terminator: "")
            }
        }

        static func render(_ entry: ServiceStats) -> String {
            var out = "\(entry.service)\n"
            if let error = entry.error { out += "  unavailable: \(error)\n" }
            if let pg = entry.postgres {
                out += "  database \(pg.database): \(ByteCount.text(pg.sizeBytes)), \(pg.connections) connections\n"
                let rows = pg.tables.map { [$0.schema + "." + $0.table, String($0.inserted), String($0.updated), String($0.deleted), String($0.liveRows)] }
                if !rows.isEmpty {
                    out += StatusTable.table([["TABLE", "INSERTED", "UPDATED", "DELETED", "LIVE ROWS"]] + rows)
                        .split(separator: "\n").map { "  \($0)\n" }.joined()
                }
            }
            if let redis = entry.redis {
                out += "  used memory \(ByteCount.text(redis.usedMemoryBytes)), \(redis.keys) keys, \(redis.clients) clients\n"
            }
            if let loki = entry.loki {
                out += "  \(loki.ready ? "ready" : "not ready"): \(loki.detail)\n"
            }
            return out
        }
    }
}
