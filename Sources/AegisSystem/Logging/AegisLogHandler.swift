import Foundation
import Glibc
import Logging

/// aegisd's own log lines: to journald with fields (PRIORITY, SYSLOG_IDENTIFIER, AEGIS_SERVICE
/// when the line is about one service, plus any metadata as upper-case fields) when journald is
/// there, to stderr as one readable line otherwise.
public struct AegisLogHandler: LogHandler {
    public enum Destination: Sendable {
        case journal
        case standardError
    }

    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    private let label: String
    private let destination: Destination

    public init(label: String, level: Logger.Level, destination: Destination) {
        self.label = label
        self.logLevel = level
        self.destination = destination
    }

    /// Bootstraps swift-log for the process: journald when it is reachable, stderr otherwise.
    public static func bootstrap(level: Logger.Level, preferJournal: Bool = true) {
        let destination: Destination = preferJournal && JournalWriter.isAvailable ? .journal : .standardError
        LoggingSystem.bootstrap { label in AegisLogHandler(label: label, level: level, destination: destination) }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        switch destination {
        case .journal:
            var fields: [(String, String)] = [
                ("MESSAGE", event.message.description),
                ("PRIORITY", String(JournalWriter.priority(ofLevel: event.level.rawValue))),
                ("SYSLOG_IDENTIFIER", "aegisd"),
                ("AEGIS_LOGGER", label),
            ]
            for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
                let field = key == "service" ? "AEGIS_SERVICE" : Self.journalFieldName(key)
                fields.append((field, value.description))
            }
            if !JournalWriter.send(fields) { Self.writeToStandardError(event: event, metadata: merged) }
        case .standardError:
            Self.writeToStandardError(event: event, metadata: merged)
        }
    }

    /// `queue.depth` → `AEGIS_QUEUE_DEPTH`: journald accepts [A-Z0-9_] and no leading underscore.
    static func journalFieldName(_ key: String) -> String {
        "AEGIS_" + String(key.uppercased().map { $0.isLetter || $0.isNumber ? $0 : "_" })
    }

    /// "2026-11-28T05:40:00Z" by strftime: Foundation's date formatting would load ICU's tables
    /// into a daemon that otherwise has no use for them.
    private static func utcTimestamp() -> String {
        var now = time(nil)
        var parts = tm()
        gmtime_r(&now, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        let count = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%SZ", &parts)
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func writeToStandardError(event: LogEvent, metadata: Logger.Metadata) {
        var line = "\(utcTimestamp()) \(event.level)"
        if let service = metadata["service"] { line += " [\(service)]" }
        line += " \(event.message)"
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) where key != "service" {
            line += " \(key)=\(value)"
        }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
