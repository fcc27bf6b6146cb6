import AegisCore
import ArgumentParser
import Foundation

extension Aegisctl {
    /// `aegisctl logs SERVICE [-f] [-n N] [--json]`: a service's newest entries from the daemon's
    /// in-memory ring; `-f` keeps asking for what came next, until interrupted.
    struct Logs: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a service's newest log entries (from aegisd's in-memory ring).",
            discussion: "For older entries use journalctl (see docs/logs.md).")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var target: LogsTarget

        @Option(name: .short, help: ArgumentHelp("How many of the newest entries to show.", valueName: "N"))
        var n = 10

        @Flag(name: .shortAndLong, help: "Keep printing new entries as they arrive.")
        var follow = false

        @Flag(name: .long, help: "One JSON object per entry (seq, ts_ns, level, stream, line).")
        var json = false

        func validate() throws {
            guard n >= 0 else { throw ValidationError("-n must be 0 or more") }
        }

        func run() throws {
            var reply = try DaemonExchange.send(
                ControlRequest.logs(ServiceID(validated: target.service), last: n, after: nil), options: global,
                timeout: .seconds(10))
            var last = print(reply.logs ?? [])
            // The ring's numbers never repeat: asking for what follows the last one printed
            // shows every entry once (unless more than the ring holds arrived in between).
            while follow {
                Thread.sleep(forTimeInterval: 0.25)
                reply = try DaemonExchange.send(
                    ControlRequest.logs(ServiceID(validated: target.service), last: nil, after: last), options: global,
                    timeout: .seconds(10))
                last = max(last, print(reply.logs ?? []))
            }
        }

        /// Prints the entries; returns the last sequence number printed (0 for none).
        private func print(_ entries: [LogLineReport]) -> Int {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            var out = ""
            for entry in entries {
                if json {
                    out += String(decoding: (try? encoder.encode(entry)) ?? Data(), as: UTF8.self) + "\n"
                } else {
                    out += LogLineFormat.text(entry) + "\n"
                }
            }
            FileHandle.standardOutput.write(Data(out.utf8))
            return entries.last?.sequence ?? 0
        }
    }
}

/// The SERVICE argument of `logs`, checked before anything is sent.
struct LogsTarget: ParsableArguments {
    @Argument(help: ArgumentHelp(
        "The service: \(ServiceID.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "service"))
    var service: String

    func validate() throws {
        guard ServiceID(rawValue: service) != nil else {
            throw ValidationError(
                "unknown service \"\(service)\"; valid services: \(ServiceID.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }
}

/// `2026-11-28T17:00:00.123Z error  text`: UTC time to the millisecond, the level, the line.
enum LogLineFormat {
    static func text(_ entry: LogLineReport) -> String {
        let seconds = entry.timestampNs / 1_000_000_000
        let millis = Int(entry.timestampNs / 1_000_000 % 1000)
        let stamp = UTCTimestamp(secondsSinceEpoch: seconds).description
        let withMillis = stamp.hasSuffix("Z")
            ? String(stamp.dropLast()) + "." + String(format: "%03d", millis) + "Z" : stamp
        return "\(withMillis) \(entry.level.padding(toLength: 5, withPad: " ", startingAt: 0)) \(entry.line)"
    }
}
