import AegisCore
import AegisSystem
import Foundation
import Synchronization

/// Where every entry goes, from the threads that read children's pipes: journald (or aegisd's
/// stderr, or nowhere), the ring behind `aegisctl logs`, and the shipper's intake.
///
/// Nothing here waits: the locks guard a few field updates, and the intake refuses (and counts)
/// what does not fit rather than make a reader thread wait. A child's pipe is therefore always
/// drained at the speed of these steps, whatever Loki does.
public final class LogRouter: Sendable {
    /// What the lines become besides ring and intake.
    public enum Echo: Sendable {
        /// journald, with fields (SYSLOG_IDENTIFIER `aegis-<service>`, AEGIS_SERVICE, PRIORITY, pid).
        case journal
        /// aegisd's stderr with a `[service]` prefix (no journald here).
        case stderr
        /// Neither (benchmarks, tests).
        case none
    }

    private struct AssemblerKey: Hashable {
        let service: ServiceID
        let stream: OutputStreamKind
    }

    public let echo: Echo
    public let intake: LogIntake?
    private let assemblers = Mutex<[AssemblerKey: MultilineAssembler]>([:])
    private let rings: Mutex<[ServiceID: LogRing]>
    private let ringLines: Int
    private let pids = Mutex<[ServiceID: Int32]>([:])
    private let flusher = Mutex<Task<Void, Never>?>(nil)
    private let journal: JournalForwarder?
    private let entriesRead = Atomic<Int>(0)

    /// - Parameters:
    ///   - intake: the shipper's queue; nil when nothing is shipped.
    ///   - flushInterval: how often pending multi-line entries are checked against their deadline.
    public init(echo: Echo, ringLines: Int, intake: LogIntake?, flushInterval: Duration = .milliseconds(50)) {
        self.echo = echo
        self.intake = intake
        self.ringLines = ringLines
        rings = Mutex([:])
        if case .journal = echo {
            journal = JournalForwarder { item in
                FileHandle.standardError.write(Data("[\(item.service.rawValue)] \(item.entry.line)\n".utf8))
            }
        } else {
            journal = nil
        }
        let task = Task.detached { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: flushInterval)
                guard let self else { return }
                self.flushDue()
            }
        }
        flusher.withLock { $0 = task }
    }

    deinit {
        flusher.withLock { $0?.cancel() }
        journal?.close()
    }

    /// Entries handed over so far (a multi-line message counts once).
    public var linesRead: Int { entriesRead.load(ordering: .relaxed) }

    /// Entries not sent to journald because it fell too far behind.
    public var journalDropped: Int { journal?.dropped ?? 0 }

    /// Entries journald's socket took.
    public var journalSent: Int { journal?.sent ?? 0 }

    /// One line a child printed (called on its pipe reader thread).
    public func line(_ text: String, service: ServiceID, stream: OutputStreamKind, pid: Int32?) {
        if let pid { pids.withLock { $0[service] = pid } }
        let now = WallClock.nowNs()
        let key = AssemblerKey(service: service, stream: stream)
        let completed = assemblers.withLock { table in
            table[key, default: MultilineAssembler()].lineReceived(text, nowNs: now)
        }
        for entry in completed { deliver(entry, service: service, stream: stream) }
    }

    /// Hands over the pending entries whose continuation lines did not come in time.
    public func flushDue(all: Bool = false) {
        let now = WallClock.nowNs()
        let due = assemblers.withLock { table -> [(AssemblerKey, LogEntry)] in
            var due: [(AssemblerKey, LogEntry)] = []
            for key in Array(table.keys) {
                if let entry = all ? table[key]!.flush() : table[key]!.flushDue(nowNs: now) { due.append((key, entry)) }
            }
            return due
        }
        for (key, entry) in due { deliver(entry, service: key.service, stream: key.stream) }
    }

    /// The newest `count` entries of `service`, or those after `sequence`.
    public func ring(_ service: ServiceID, last count: Int?, after sequence: Int?) -> [LogRing.Item] {
        rings.withLock { rings in
            guard let ring = rings[service] else { return [] }
            if let sequence { return ring.after(sequence, limit: 10_000) }
            return ring.last(count ?? 10)
        }
    }

    private func deliver(_ entry: LogEntry, service: ServiceID, stream: OutputStreamKind) {
        entriesRead.add(1, ordering: .relaxed)
        switch echo {
        case .journal:
            journal?.send(JournalForwarder.Item(
                entry: entry, service: service, stream: stream, pid: pids.withLock { $0[service] }))
        case .stderr:
            writeToStderr(entry, service)
        case .none:
            break
        }
        rings.withLock { rings in
            rings[service, default: LogRing(capacity: ringLines)].append(entry, stream: stream.rawValue)
        }
        intake?.push(LogIntake.Item(job: "aegisd", service: service.rawValue, entry: entry))
    }

    private func writeToStderr(_ entry: LogEntry, _ service: ServiceID) {
        FileHandle.standardError.write(Data("[\(service.rawValue)] \(entry.line)\n".utf8))
    }
}
