import AegisCore
import AegisSystem
import Foundation

/// Where the lines children print go: journald with fields (SYSLOG_IDENTIFIER
/// `aegis-<service>`, AEGIS_SERVICE, PRIORITY, the child's pid) when it is there, aegisd's stderr
/// with a `[service]` prefix otherwise. Called on the pipe reader threads.
public struct ChildOutput: Sendable {
    public let toJournal: Bool

    public init(toJournal: Bool = JournalWriter.isAvailable) {
        self.toJournal = toJournal
    }

    public func handler(for service: ServiceID, pid: @escaping @Sendable () -> Int32?) -> @Sendable (OutputStreamKind, String) -> Void {
        let toJournal = toJournal
        return { stream, line in
            if toJournal {
                var fields = [
                    ("MESSAGE", line),
                    ("PRIORITY", String(LogLineClassifier.priority(of: line))),
                    ("SYSLOG_IDENTIFIER", "aegis-\(service.rawValue)"),
                    ("AEGIS_SERVICE", service.rawValue),
                    ("AEGIS_STREAM", stream.rawValue),
                ]
                if let pid = pid() { fields.append(("AEGIS_PID", String(pid))) }
                if JournalWriter.send(fields) { return }
            }
            FileHandle.standardError.write(Data("[\(service.rawValue)] \(line)\n".utf8))
        }
    }
}
